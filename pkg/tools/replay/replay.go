package replay

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Range selects raw callbacks: those of Provider and Account (empty: any)
// stored in FAXPIPE_RAW from From (zero: the first it holds) up to and
// including To (zero: the last stored when the replay starts). The stream's
// storage time is the ingress's receipt time, to within the publish.
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

// history is the stretch of FAXPIPE_RAW the range selects.
func (r Range) history() consumer.History {
	return consumer.History{Stream: fax.RawStream, Subject: fax.RawSubject(r.Provider, r.Account), From: r.From, Until: r.To}
}

// Replay processes every raw callback of r in stream order (with
// Options.Concurrency at once) through rp and sums up. Repeating it is
// safe: events already published count as duplicates. It returns the
// summary so far and an error if reading the stream fails or ctx ends.
func Replay(ctx context.Context, js jetstream.JetStream, rp Reprocessor, r Range, opts Options) (Summary, error) {
	if err := r.Validate(); err != nil {
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
