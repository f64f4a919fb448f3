package stream

import (
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// minKeepAlive bounds how often KeepAlive reports, whatever the interval.
const minKeepAlive = 10 * time.Millisecond

// KeepAlive tells the server every interval (at least 10 ms) that m is
// still being worked on (InProgress), so a long handler keeps its message,
// until the returned stop is called. stop waits for the reporting goroutine
// to end; call it exactly once, before settling m.
func KeepAlive(m jetstream.Msg, interval time.Duration) (stop func()) {
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
