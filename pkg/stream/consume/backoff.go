package consume

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
)

// Backoff is faxpipe's one retry policy (cenkalti/backoff's exponential
// backoff): delays start at Initial and grow by Multiplier per failure up
// to Max (at least Initial), spread by ±Jitter (a fraction) so that
// replicas retrying together spread out. The settle step uses it between
// deliveries; in-process retries (a broker write, a download, a replay)
// use New.
type Backoff struct {
	Initial, Max time.Duration
	// Multiplier is the growth per failure; 0 means cenkalti's default, 1.5.
	Multiplier float64
	// Jitter is the spread, 0 for none: set it where replicas retry the
	// same peer (cenkalti's default is 0.5).
	Jitter float64
}

// Jittered is cenkalti's default spread, ±50%.
const Jittered = backoff.DefaultRandomizationFactor

// New is a fresh backoff.BackOff of the policy that gives up after
// maxElapsed (0: never).
func (b Backoff) New(maxElapsed time.Duration) backoff.BackOff {
	mult := b.Multiplier
	if mult < 1 {
		mult = backoff.DefaultMultiplier
	}
	return backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(max(b.Initial, time.Millisecond)),
		backoff.WithMaxInterval(max(b.Max, b.Initial, time.Millisecond)),
		backoff.WithMultiplier(mult),
		backoff.WithRandomizationFactor(b.Jitter),
		backoff.WithMaxElapsedTime(maxElapsed),
	)
}

// Delay is the wait before delivery n+1 of a message that failed n times.
func (b Backoff) Delay(failures uint64) time.Duration {
	eb := b.New(0)
	d := eb.NextBackOff()
	// Past 64 growths every interval is Max.
	for i := uint64(1); i < min(failures, 64); i++ {
		d = eb.NextBackOff()
	}
	return d
}

// Sleep waits d between two attempts, or until ctx ends; it reports
// whether it waited d.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
