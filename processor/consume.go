package processor

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

// messageTimeout bounds the work on one message: broker calls that take
// longer are transient faults.
const messageTimeout = 10 * time.Second

// consume processes with Concurrency workers until ctx ends, then lets
// them finish the message in hand (its own deadline bounds it, not the
// process's) and hands back those fetched but not started.
func (p *Processor) consume(ctx context.Context, cons jetstream.Consumer) error {
	msgCtx := context.WithoutCancel(ctx)
	return stream.ConsumeWorkers(ctx, cons, p.cfg.Concurrency, p.cfg.AckWait,
		func(m jetstream.Msg) { p.settle(msgCtx, m) },
		func(err error) { p.deps.Log.Debug("consume", zap.Error(err)) })
}

// settle runs the pipeline on m and maps its result onto JetStream: done →
// Ack; transient → NakWithDelay growing per delivery. The pipeline's
// wrappers have already turned permanent failures and poison into
// rejections, which end as done.
func (p *Processor) settle(ctx context.Context, m jetstream.Msg) {
	ctx, cancel := context.WithTimeout(ctx, messageTimeout)
	defer cancel()
	_, err := p.handle(ctx, m)
	if err == nil {
		if ackErr := m.Ack(); ackErr != nil {
			// Not acked: the message comes back and dedupe absorbs it.
			p.deps.Log.Warn("ack failed", zap.Error(ackErr))
		}
		return
	}
	delay := p.retryDelay(m)
	p.deps.Log.Warn("transient failure; retrying", zap.Error(err), zap.Duration("in", delay))
	_ = m.NakWithDelay(delay)
}

// retryDelay doubles RetryDelay per delivery, up to a minute.
func (p *Processor) retryDelay(m jetstream.Msg) time.Duration {
	d := p.cfg.RetryDelay
	if meta, err := m.Metadata(); err == nil {
		for i := uint64(1); i < meta.NumDelivered && d < time.Minute; i++ {
			d *= 2
		}
	}
	return min(d, time.Minute)
}
