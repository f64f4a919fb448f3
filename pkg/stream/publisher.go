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
	conn *Conn
	// expectStream is the value of every message's Nats-Expected-Stream:
	// set here once rather than by jetstream.WithExpectStream, which
	// allocates its options per message.
	expectStream []string
}

// NewPublisher returns a Publisher for messages that must land in stream.
func NewPublisher(c *Conn, stream string) *Publisher {
	return &Publisher{conn: c, expectStream: []string{stream}}
}

// NewMsg is a message of data on subject, with Nats-Msg-Id msgID unless
// msgID is empty.
func NewMsg(subject, msgID string, data []byte) *nats.Msg {
	msg := &nats.Msg{Subject: subject, Data: data, Header: nats.Header{}}
	if msgID != "" {
		msg.Header[jetstream.MsgIDHeader] = []string{msgID}
	}
	return msg
}

// Publish sends msg and blocks until the stream acknowledged it (returning
// its sequence) or ctx ends. Any error means the message may not be
// stored: the caller must treat it as transient and let the sender retry.
func (p *Publisher) Publish(ctx context.Context, msg *nats.Msg) (uint64, error) {
	if !p.conn.NC.IsConnected() {
		return 0, ErrBrokerUnavailable
	}
	if limit := p.conn.NC.MaxPayload(); limit > 0 && int64(len(msg.Data)+headerSize(msg.Header))+1024 > limit {
		return 0, fmt.Errorf("publish %s: %d bytes: %w", msg.Subject, len(msg.Data), fax.ErrEnvelopeTooLarge)
	}
	if msg.Header == nil {
		msg.Header = nats.Header{}
	}
	// The stream refuses a message whose subject it does not hold.
	msg.Header[jetstream.ExpectedStreamHeader] = p.expectStream
	f, err := p.conn.JS.PublishMsgAsync(msg)
	if err != nil {
		return 0, fmt.Errorf("publish %s: %w", msg.Subject, err)
	}
	select {
	case ack := <-f.Ok():
		return ack.Sequence, nil
	case err := <-f.Err():
		return 0, fmt.Errorf("publish %s: %w", msg.Subject, err)
	case <-ctx.Done():
		return 0, fmt.Errorf("publish %s: no acknowledgement: %w", msg.Subject, ctx.Err())
	}
}

// headerSize is about the size of h on the wire ("Key: value\r\n" each).
func headerSize(h nats.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}
