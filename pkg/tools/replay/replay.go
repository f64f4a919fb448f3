package replay

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/processor"
)

// Range selects raw callbacks: those of Provider and Account (empty: any)
// stored in FAXPIPE_RAW from From (zero: the dedupe horizon, see Replay)
// up to and including To (zero: the last stored when the replay starts).
// The stream's storage time is the ingress's receipt time, to within the
// publish.
type Range struct {
	From, To time.Time
	Provider fax.Provider
	Account  string
}

// Validate reports a range that selects nothing by construction, or
// provider and account values that are not subject tokens.
func (r Range) Validate() error {
	return consumer.Filter{Provider: r.Provider, Account: r.Account}.Validate()
}

// withinHorizon is r starting at the dedupe horizon when it has no start,
// or an error when it starts before it.
func (r Range) withinHorizon(ctx context.Context, js jetstream.JetStream, now time.Time) (Range, error) {
	h, err := processor.DedupeHorizon(ctx, js)
	if err != nil {
		return r, err
	}
	start := h.Start(now)
	switch {
	case r.From.IsZero():
		r.From = start
	case r.From.Before(start):
		return r, fmt.Errorf("%w: it starts at %s, before %s (streams.dedupe_ttl %s less %s); faxpipe no longer remembers "+
			"which events it published from older callbacks, so the processor would reject them as %s rather than risk "+
			"publishing an event twice: replay from %s or later", ErrBeyondHorizon, r.From.UTC().Format(time.RFC3339),
			start.UTC().Format(time.RFC3339), h.TTL, h.Margin, fax.ReasonBeyondDedupeHorizon, start.UTC().Format(time.RFC3339))
	}
	return r, nil
}

// history is the stretch of FAXPIPE_RAW the range selects.
func (r Range) history() consumer.History {
	return consumer.History{Stream: fax.RawStream, Subject: fax.RawSubject(r.Provider, r.Account), From: r.From, Until: r.To}
}

// ErrBeyondHorizon means a range reaches back before the dedupe horizon
// (processor.Horizon): the processor would reject those callbacks
// (beyond_dedupe_horizon), since their events may have been published and
// forgotten since.
var ErrBeyondHorizon = errors.New("the range reaches before the dedupe horizon")

// Replay processes every raw callback of r in stream order (with
// Options.Concurrency at once) through rp and sums up. Repeating it is
// safe: events already published count as duplicates. A range that starts
// before the dedupe horizon is refused up front (ErrBeyondHorizon); a range
// without a start begins at the horizon. It returns the summary so far and
// an error if reading the stream fails or ctx ends.
func Replay(ctx context.Context, js jetstream.JetStream, rp Reprocessor, r Range, opts Options) (Summary, error) {
	if err := r.Validate(); err != nil {
		return Summary{}, err
	}
	r, err := r.withinHorizon(ctx, js, time.Now())
	if err != nil {
		return Summary{}, err
	}
	run, err := newRunner(ctx, rp, opts)
	if err != nil {
		return Summary{}, err
	}
	h := r.history()
	if h.Until.IsZero() {
		h.Until = time.Now() // the same end for the count and the scan
	}
	n, err := h.Count(run.ctx, js)
	if err != nil {
		return run.wait(err)
	}
	run.total(n)
	return run.wait(h.Scan(run.ctx, js, func(m jetstream.Msg) error {
		raw, err := rawOf(m)
		if err != nil {
			return err
		}
		return run.submit(raw)
	}))
}
