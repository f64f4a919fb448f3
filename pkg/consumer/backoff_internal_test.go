package consumer

import (
	"testing"
	"time"
)

// TestRetryDelayGrows: the delay before a redelivery grows 1.5× per
// failure from RetryInitial, within ±20% jitter, and stops growing at
// RetryMax.
func TestRetryDelayGrows(t *testing.T) {
	c := Events(nil, Config{RetryInitial: time.Second, RetryMax: 10 * time.Second})
	cases := []struct {
		failures uint64
		base     time.Duration
	}{
		{1, time.Second}, {2, 1500 * time.Millisecond}, {3, 2250 * time.Millisecond},
		{6, 7593750 * time.Microsecond}, {7, 10 * time.Second}, {50, 10 * time.Second}, {1000, 10 * time.Second},
	}
	for _, tc := range cases {
		for range 20 { // jitter: every draw within bounds
			d := tc.base
			if got := c.options().Backoff.Delay(tc.failures); got < d*8/10 || got > d*12/10 {
				t.Fatalf("retryDelay(%d) = %v, want %v ± 20%%", tc.failures, got, d)
			}
		}
	}
}
