package sim

import (
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Policy is how a provider delivers one callback: how long it waits for an
// answer, and how long it waits before each new attempt after an answer
// that is not its success (or no answer). The callback is given up after
// 1+len(Delays) attempts.
type Policy struct {
	Timeout time.Duration
	Delays  []time.Duration
}

// Attempts is how many times the callback is sent at most.
func (p Policy) Attempts() int { return 1 + len(p.Delays) }

// Policies are the providers' delivery policies, unscaled:
//
//   - Sfax [doc]: a 15 s timeout; 5 attempts 2 minutes apart (the
//     configuration Sfax's own documentation shows; it is configurable per
//     account at Sfax). After 20 consecutive failed attempts Sfax suspends
//     the account's callbacks (Options.SfaxSuspendAfter).
//   - GoFax: not documented [?]. Assumed, as many webhook senders do: a
//     30 s timeout and 4 attempts, after 1, 5 and 15 minutes.
//   - eFax Enterprise [doc]: the first post and five retries five minutes
//     apart; the timeout is not documented [?], assumed 30 s.
var Policies = map[fax.Provider]Policy{
	fax.Sfax:  {Timeout: 15 * time.Second, Delays: repeat(2*time.Minute, 4)},
	fax.GoFax: {Timeout: 30 * time.Second, Delays: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}},
	fax.EFax:  {Timeout: 30 * time.Second, Delays: repeat(5*time.Minute, 5)},
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

// scaled returns p with its delays multiplied by scale and, when timeout
// is positive, that timeout.
func (p Policy) scaled(scale float64, timeout time.Duration) Policy {
	out := Policy{Timeout: p.Timeout, Delays: make([]time.Duration, len(p.Delays))}
	for i, d := range p.Delays {
		out.Delays[i] = time.Duration(float64(d) * scale)
	}
	if timeout > 0 {
		out.Timeout = timeout
	}
	return out
}
