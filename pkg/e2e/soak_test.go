package e2e

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"
)

// soak is set by `make soak` (FAXPIPE_SOAK=1): the suites then run for
// minutes instead of seconds.
var soak = os.Getenv("FAXPIPE_SOAK") != ""

// length is short in `make test` and long in `make soak`.
func length(short, long time.Duration) time.Duration {
	if soak {
		return long
	}
	return short
}

// every calls f every interval, from one goroutine, until the returned
// stop is called (at the latest when t ends); stop waits for f to return
// and tells how many times it ran. f runs off the test goroutine: it must
// not fail t (no t.Fatal), but keep its errors for the test to report.
func every(t testing.TB, interval time.Duration, f func(i int)) (stop func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	n := 0
	wg.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				f(n)
				n++
			}
		}
	})
	stop = func() int {
		cancel()
		wg.Wait()
		return n
	}
	t.Cleanup(func() { stop() })
	return stop
}

// figure is one line of the reliability table, printed by the suites so
// that `make soak` shows the README's figures.
func figure(t testing.TB, suite, load, faults string, tl tally) {
	t.Helper()
	lost := len(tl.lost) + len(tl.doubled)
	t.Logf("FIGURE | %s | %s | %s | %d acked callbacks → %d events, %d documents | lost or doubled: %d |",
		suite, load, faults, tl.acked, tl.events, tl.documents, lost)
}
