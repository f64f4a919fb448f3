package stream

import (
	"errors"

	"github.com/nats-io/nats.go/jetstream"
)

// errCodeStreamStoreFailed is nats-server's JSStreamStoreFailedF: the
// stream could not store a message, "maximum bytes exceeded" when a
// DiscardNew stream (or bucket) is full.
const errCodeStreamStoreFailed jetstream.ErrorCode = 10077

// IsFull reports whether err is a stream or bucket refusing a message
// because it is full: not the message's fault, a reason to wait for room
// rather than give the message up.
func IsFull(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStreamStoreFailed
}
