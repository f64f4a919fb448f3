package consumer

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// ErrHandlerPanic is the error of a handler that panicked: the message is
// retried like any failure.
var ErrHandlerPanic = consume.ErrPanic

// handler is h under faxpipe's message-handling policy (pkg/stream/consume):
// a message that cannot be decoded, or that still fails on its last allowed
// delivery, is reported (OnPoison) and terminated; a panic is a failure; a
// running handler keeps its delivery alive.
func (c *Consumer[T]) handler(h Handler[T]) consume.Handler {
	// OnPoison runs under the keep-alive too: however long it takes, the
	// message is not delivered again meanwhile.
	run := consume.Poison(consume.Recover(c.decoded(h)), c.cfg.MaxDeliver, nil, c.poison)
	return consume.KeepAlive(run, c.cfg.AckWait/3)
}

// options are Run's: concurrency, and the delay before a failed message is
// delivered again, RetryInitial growing 1.5× per failure up to RetryMax
// with ±20% jitter so that replicas retrying together spread out.
func (c *Consumer[T]) options() consume.Options {
	return consume.Options{
		Workers: c.cfg.Concurrency,
		AckWait: c.cfg.AckWait,
		Backoff: consume.Backoff{Initial: c.cfg.RetryInitial, Max: c.cfg.RetryMax, Multiplier: 1.5, Jitter: 0.2},
		Log:     c.cfg.Log,
	}
}

// decoded decodes m, applies the filter and runs h on what it keeps.
func (c *Consumer[T]) decoded(h Handler[T]) consume.Handler {
	return func(ctx context.Context, m jetstream.Msg) error {
		msg, err := Decode[T](m)
		if err != nil {
			return consume.Permanent(err)
		}
		if !c.wanted(msg) {
			return nil
		}
		return h(ctx, msg)
	}
}

// wanted applies the filter fields the subject does not carry and the
// conditions of Where.
func (c *Consumer[T]) wanted(msg Message[T]) bool {
	if !c.keep(msg.Data) {
		return false
	}
	for _, match := range c.where {
		if !match(msg) {
			return false
		}
	}
	return true
}

// poison reports m, given up on for cause, and has it terminated (the
// settle step logs it).
func (c *Consumer[T]) poison(_ context.Context, m jetstream.Msg, cause error) error {
	p := Poison{Stream: c.stream, Subject: m.Subject(), Data: m.Data(), Err: cause}
	if meta, err := m.Metadata(); err == nil {
		p.Seq, p.Deliveries = meta.Sequence.Stream, meta.NumDelivered
	}
	if !consume.IsPermanent(cause) {
		p.Err = fmt.Errorf("failed %d deliveries, last: %w", p.Deliveries, cause)
	}
	if c.cfg.OnPoison != nil {
		c.cfg.OnPoison(p)
	}
	return consume.Permanent(p.Err)
}
