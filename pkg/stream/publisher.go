package stream

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// ErrBrokerUnavailable means the publish was not attempted because the
// connection to the broker is down. Like every Publish error it is transient.
var ErrBrokerUnavailable = errors.New("broker unavailable")

// Publisher publishes to one stream and waits for the acknowledgement
// without serializing callers: publishes are pipelined (asynchronous, up to
// the connection's max pending) and each caller waits only for its own ack.
// It is safe for concurrent use.
type Publisher struct {
	conn   *Conn
	stream string
}

// NewPublisher returns a Publisher for messages that must land in stream.
func NewPublisher(c *Conn, stream string) *Publisher {
	return &Publisher{conn: c, stream: stream}
}

// Publish sends data on subject with Nats-Msg-Id msgID and blocks until the
// stream acknowledged it (returning its sequence) or ctx ends. Any error
// means the message may not be stored: the caller must treat it as
// transient and let the sender retry.
func (p *Publisher) Publish(ctx context.Context, subject, msgID string, data []byte) (uint64, error) {
	if !p.conn.NC.IsConnected() {
		return 0, ErrBrokerUnavailable
	}
	if limit := p.conn.NC.MaxPayload(); limit > 0 && int64(len(data))+1024 > limit {
		return 0, fmt.Errorf("publish %s: %d bytes: %w", subject, len(data), fax.ErrEnvelopeTooLarge)
	}
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	f, err := p.conn.JS.PublishMsgAsync(msg, jetstream.WithExpectStream(p.stream))
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", subject, err)
	}
	select {
	case ack := <-f.Ok():
		return ack.Sequence, nil
	case err := <-f.Err():
		return 0, fmt.Errorf("publish %s: %w", subject, err)
	case <-ctx.Done():
		return 0, fmt.Errorf("publish %s: no acknowledgement: %w", subject, ctx.Err())
	}
}
