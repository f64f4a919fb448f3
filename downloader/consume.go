package downloader

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

// settleTimeout bounds announcing and acknowledging a message once its
// download is over, even while the downloader stops.
const settleTimeout = 10 * time.Second

// consume feeds messages to Concurrency workers until ctx ends, then stops
// fetching, abandons the downloads in progress (their messages are handed
// back with Nak) and hands back those fetched but not started.
func (d *Downloader) consume(ctx context.Context, cons jetstream.Consumer) error {
	return stream.ConsumeWorkers(ctx, cons, d.cfg.Concurrency, d.cfg.AckWait,
		func(m jetstream.Msg) { d.handle(ctx, m) },
		func(err error) { d.deps.Log.Debug("consume", zap.Error(err)) })
}

// keepAlive tells JetStream every third of AckWait that m is still being
// worked on, so a long download or backoff keeps its message, until the
// returned stop is called (which waits for it to end).
func (d *Downloader) keepAlive(m jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(max(d.cfg.AckWait/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = m.InProgress()
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}
