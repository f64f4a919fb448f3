package consume

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// minKeepAlive bounds how often a keep-alive reports, whatever the
// interval.
const minKeepAlive = 10 * time.Millisecond

// KeepAlive reports next's message in progress (InProgress) every interval
// (at least 10 ms) while next runs, so long work keeps its delivery.
func KeepAlive(next Handler, interval time.Duration) Handler {
	return func(ctx context.Context, m jetstream.Msg) error {
		stop := keepAlive(m, interval)
		defer stop()
		return next(ctx, m)
	}
}

// keepAlive reports m in progress every interval until the returned stop
// is called; stop waits for the reporting goroutine to end.
func keepAlive(m jetstream.Msg, interval time.Duration) (stop func()) {
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		t := time.NewTicker(max(interval, minKeepAlive))
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				_ = m.InProgress()
			}
		}
	}()
	return func() { close(done); <-ended }
}
