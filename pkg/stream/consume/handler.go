// Package consume is faxpipe's one message-handling policy for JetStream
// consumers: the processor, the downloader, the downstream consumer
// package and every tool that consumes use it, and none settles a message
// any other way.
//
// A Handler returns an error; Run's settle step maps the result onto
// JetStream:
//
//	nil                      → Ack
//	the service is stopping  → Nak at once (another replica takes it)
//	Permanent(err)           → TermWithReason
//	any other error          → NakWithDelay, the delay from the one
//	                           Backoff policy (or RetryIn's)
//
// Behaviour around a handler is added by wrappers of one file each, in the
// manner of Watermill's router middleware: Recover (a panic is an error),
// Poison (what will not heal is recorded and settled), KeepAlive
// (InProgress while long work runs). The package imports nothing of the
// NATS server or of faxpipe's configuration, so the public consumer
// package can use it.
package consume

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// Handler handles one delivered message. It must not ack, nak or
// terminate it: its error says what should happen, and Run settles.
type Handler func(ctx context.Context, m jetstream.Msg) error

// permanentError is a failure that delivering the message again would
// repeat.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as one no redelivery will fix: the message is
// terminated (or, under Poison, recorded first). Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// IsPermanent reports whether err, or an error it wraps, was marked
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// retryInError is a transient failure that knows when to try again.
type retryInError struct {
	err   error
	delay time.Duration
}

func (e *retryInError) Error() string { return e.err.Error() }
func (e *retryInError) Unwrap() error { return e.err }

// RetryIn marks err as transient with its own delay before the next
// delivery (a provider's Retry-After, a backoff already run in process),
// which replaces the policy's. RetryIn(nil, d) is nil.
func RetryIn(err error, delay time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryInError{err: err, delay: delay}
}

// deliveries is how many times m has been delivered, 1 when the metadata
// cannot be read.
func deliveries(m jetstream.Msg) uint64 {
	if meta, err := m.Metadata(); err == nil && meta.NumDelivered > 0 {
		return meta.NumDelivered
	}
	return 1
}
