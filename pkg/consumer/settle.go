package consumer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

// ErrHandlerPanic is the error of a handler that panicked: the message is
// retried like any failure.
var ErrHandlerPanic = errors.New("handler panicked")

// settle decodes m, filters it and runs h on it, then maps the result onto
// JetStream: Ack when handled or skipped, NakWithDelay (growing) on a
// failure, Term and a poison report when undecodable or failing on its
// last allowed delivery.
func (c *Consumer[T]) settle(ctx context.Context, m jetstream.Msg, h Handler[T]) {
	msg, err := Decode[T](m)
	if err != nil {
		c.poison(m, err)
		return
	}
	if !c.wanted(msg) {
		c.ack(m)
		return
	}
	err = c.call(ctx, m, msg, h)
	switch {
	case err == nil:
		c.ack(m)
	case ctx.Err() != nil: // stopping: let another replica have it now, never poison it for that
		_ = m.Nak()
	case msg.Deliveries >= uint64(max(c.cfg.MaxDeliver, 1)):
		c.poison(m, fmt.Errorf("failed %d deliveries, last: %w", msg.Deliveries, err))
	default:
		delay := c.retryDelay(msg.Deliveries)
		c.cfg.Log.Warn("handler failed; retrying", zap.String("id", msg.ID), zap.Uint64("seq", msg.Seq),
			zap.Uint64("delivery", msg.Deliveries), zap.Duration("in", delay), zap.Error(err))
		_ = m.NakWithDelay(delay)
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

// call runs h, keeping the delivery alive meanwhile and turning a panic
// into an error.
func (c *Consumer[T]) call(ctx context.Context, m jetstream.Msg, msg Message[T], h Handler[T]) (err error) {
	stop := stream.KeepAlive(m, c.cfg.AckWait/3)
	defer stop()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrHandlerPanic, r)
		}
	}()
	return h(ctx, msg)
}

// retryDelay is the delay before delivery n+1 of a message that failed n
// times: RetryInitial growing 1.5× per failure up to RetryMax, with ±20%
// jitter so that replicas retrying together spread out.
func (c *Consumer[T]) retryDelay(failures uint64) time.Duration {
	b := backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(c.cfg.RetryInitial),
		backoff.WithMaxInterval(c.cfg.RetryMax),
		backoff.WithRandomizationFactor(0.2),
		backoff.WithMaxElapsedTime(0),
	)
	d := b.NextBackOff()
	// Past 64 doublings every interval is RetryMax.
	for i := uint64(1); i < min(failures, 64); i++ {
		d = b.NextBackOff()
	}
	return d
}

func (c *Consumer[T]) ack(m jetstream.Msg) {
	if err := m.Ack(); err != nil {
		// Not acked: the message comes back, and handlers are idempotent by id.
		c.cfg.Log.Warn("ack failed", zap.Error(err))
	}
}

// poison terminates m and reports it.
func (c *Consumer[T]) poison(m jetstream.Msg, cause error) {
	p := Poison{Stream: c.stream, Subject: m.Subject(), Data: m.Data(), Err: cause}
	if meta, err := m.Metadata(); err == nil {
		p.Seq, p.Deliveries = meta.Sequence.Stream, meta.NumDelivered
	}
	c.cfg.Log.Error("giving up on a message", zap.String("stream", p.Stream), zap.Uint64("seq", p.Seq),
		zap.String("subject", p.Subject), zap.Uint64("deliveries", p.Deliveries), zap.Error(cause))
	_ = m.TermWithReason(truncate(cause.Error(), 200))
	if c.cfg.OnPoison != nil {
		c.cfg.OnPoison(p)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
