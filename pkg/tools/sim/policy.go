package sim

import "time"

// Policy is how a provider delivers one callback: how long it waits for an
// answer, and how long it waits before each new attempt after an answer
// that is not its success (or no answer). The callback is given up after
// 1+len(Delays) attempts.
type Policy struct {
	Timeout time.Duration
	Delays  []time.Duration
	// Suspends is set for a provider that stops calling an account after
	// Options.SfaxSuspendAfter consecutive failed attempts (Sfax).
	Suspends bool
}

// Attempts is how many times the callback is sent at most.
func (p Policy) Attempts() int { return 1 + len(p.Delays) }

// Repeat is n delays of d, for a policy that retries at a fixed interval.
func Repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// scaled returns p with its delays multiplied by scale and, when timeout
// is positive, that timeout.
func (p Policy) scaled(scale float64, timeout time.Duration) Policy {
	out := Policy{Timeout: p.Timeout, Delays: make([]time.Duration, len(p.Delays)), Suspends: p.Suspends}
	for i, d := range p.Delays {
		out.Delays[i] = time.Duration(float64(d) * scale)
	}
	if timeout > 0 {
		out.Timeout = timeout
	}
	return out
}
