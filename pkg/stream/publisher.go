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

// ErrWrongStream means the message was stored, but by a stream other than
// the publisher's: the broker's streams are not faxpipe's topology.
var ErrWrongStream = errors.New("stored by another stream")

// Publisher publishes to one stream and waits for the acknowledgement
// without serializing callers: publishes are pipelined and sent in
// batches (Batcher), and each caller waits only for its own ack. It is
// safe for concurrent use.
type Publisher struct {
	conn   *Conn
	stream string
	batch  *Batcher
}

// NewPublisher returns a Publisher for messages that must land in stream.
func NewPublisher(c *Conn, stream string) *Publisher {
	return &Publisher{conn: c, stream: stream, batch: NewBatcher(c.NC, c.Limits)}
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
	// The acknowledgement names the stream that stored msg, which is checked
	// below: a Nats-Expected-Stream header would have the broker check it,
	// but any header makes the broker parse the message's headers, a cost
	// per message a callback's raw message otherwise never pays.
	ack, err := p.batch.Publish(ctx, msg)
	if err != nil {
		if ctx.Err() != nil {
			return 0, fmt.Errorf("publish %s: no acknowledgement: %w", msg.Subject, err)
		}
		return 0, fmt.Errorf("publish %s: %w", msg.Subject, err)
	}
	if ack.Stream != p.stream {
		// Only a stream set up by hand can hold faxpipe's subjects while
		// p.stream does not: msg is not where faxpipe reads.
		return 0, fmt.Errorf("publish %s: stored in stream %q, not %s: %w", msg.Subject, ack.Stream, p.stream, ErrWrongStream)
	}
	return ack.Sequence, nil
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
