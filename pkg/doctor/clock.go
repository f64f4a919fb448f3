package doctor

import (
	"fmt"
	"time"
)

// How far the local clock may be from the broker's. Every faxpipe host
// should keep time by NTP, within milliseconds of the others. Sfax tokens
// are checked against the local clock (accounts.sfax[].token_window, 15
// minutes by default) and made with it for Sfax's API, which accepts them
// for 15 minutes; the reconciler leaves faxes younger than
// reconciler.settle (2 minutes) to their webhooks; replay ranges are in
// the broker's time. SkewWarn catches a clock that is not synchronised;
// SkewFail one far enough off to matter, long before tokens are refused.
const (
	SkewWarn = time.Second
	SkewFail = 30 * time.Second
)

// sample is one answer of the broker: when the request was sent and its
// answer received, by the local clock, and the server's time in it.
type sample struct {
	sent, received, server time.Time
}

// offset is how far the server's clock is ahead of the local one (the
// server's time against the middle of the round trip), and the
// uncertainty, half the round trip.
func (s sample) offset() (skew, within time.Duration) {
	half := s.received.Sub(s.sent) / 2
	return s.server.Sub(s.sent.Add(half)), half
}

// clockCheck compares the local clock with the broker's, from the sample
// of the shortest round trip: the skew that counts is the least the
// sample allows (its distance from zero less half the round trip).
func clockCheck(samples []sample) Check {
	c := Check{Name: "clock", Status: OK}
	var best *sample
	for i := range samples {
		s := &samples[i]
		if s.server.IsZero() {
			continue
		}
		if best == nil || s.received.Sub(s.sent) < best.received.Sub(best.sent) {
			best = s
		}
	}
	if best == nil {
		c.Status, c.Detail = Warn, "the broker did not say its time (nats-server 2.10 or later does, in its stream information): clock skew not checked"
		return c
	}
	skew, within := best.offset()
	least := max(abs(skew)-within, 0)
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	c.Detail = fmt.Sprintf("the broker's clock is %s %s this host's (± %s)", round(abs(skew)), dir, round(within))
	switch {
	case least > SkewFail:
		c.Status = Fail
		c.Detail += fmt.Sprintf(": more than %s; synchronise the clocks (NTP): Sfax tokens are time-bound", SkewFail)
	case least > SkewWarn:
		c.Status = Warn
		c.Detail += fmt.Sprintf(": more than %s; is NTP running?", SkewWarn)
	}
	return c
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
