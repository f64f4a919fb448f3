package processor

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// messageTimeout bounds the work on one message: broker calls that take
// longer are transient faults.
const messageTimeout = 10 * time.Second

// consume feeds messages to Concurrency workers until ctx ends, then stops
// fetching, lets workers finish the message in hand, and hands back (Nak)
// those fetched but not started, so another processor takes them at once.
func (p *Processor) consume(ctx context.Context, cons jetstream.Consumer) error {
	work := make(chan jetstream.Msg)
	// A message in hand is finished even when ctx ends: its own deadline
	// bounds it, not the process's.
	msgCtx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range p.cfg.Concurrency {
		wg.Go(func() {
			for m := range work {
				p.settle(msgCtx, m)
			}
		})
	}
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case work <- m:
		case <-ctx.Done():
			_ = m.Nak()
		}
	}, jetstream.PullMaxMessages(2*p.cfg.Concurrency), jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
		p.deps.Log.Debug("consume", zap.Error(err))
	}))
	if err != nil {
		close(work)
		wg.Wait()
		return err
	}
	<-ctx.Done()
	cc.Drain() // buffered messages reach the callback, which hands them back
	<-cc.Closed()
	close(work)
	wg.Wait()
	return nil
}

// settle runs the pipeline on m and maps its result onto JetStream: done →
// Ack; transient → NakWithDelay growing per delivery. The pipeline's
// wrappers have already turned permanent failures and poison into
// rejections, which end as done.
func (p *Processor) settle(ctx context.Context, m jetstream.Msg) {
	ctx, cancel := context.WithTimeout(ctx, messageTimeout)
	defer cancel()
	err := p.handle(ctx, m)
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
