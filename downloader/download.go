package downloader

import (
	"context"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// download fetches and stores ev's document, retrying transient failures
// with exponential backoff and jitter (never sooner than a Retry-After
// asked) for up to RetryBudget. It returns the stored document, or the
// last failure: permanent, or transient with f.next the wait before the
// next try. When ctx ends it returns at once.
func (d *Downloader) download(ctx context.Context, ev fax.Event) (docstore.Stored, *failure) {
	b := consume.Backoff{Initial: d.cfg.InitialBackoff, Max: d.cfg.MaxBackoff, Jitter: consume.Jittered}.New(0)
	budget := d.deps.Now().Add(d.cfg.RetryBudget)
	for attempt := 1; ; attempt++ {
		st, err := d.attempt(ctx, ev)
		if err == nil {
			d.metrics.attempts.WithLabelValues(string(ev.Provider), attemptOK).Inc()
			return st, nil
		}
		if ctx.Err() != nil {
			return docstore.Stored{}, &failure{err: ctx.Err(), transient: true, attempts: attempt}
		}
		f := d.classify(err, ev)
		f.attempts = attempt
		if !f.transient {
			d.metrics.attempts.WithLabelValues(string(ev.Provider), attemptPermanent).Inc()
			return docstore.Stored{}, &f
		}
		d.metrics.attempts.WithLabelValues(string(ev.Provider), attemptTransient).Inc()
		f.next = max(b.NextBackOff(), f.retryAfter)
		if d.deps.Now().Add(f.next).After(budget) {
			return docstore.Stored{}, &f
		}
		d.deps.Log.Debug("fetch failed; retrying", zap.String("fax_id", ev.FaxID), zap.Int("attempt", attempt),
			zap.Duration("in", f.next), zap.Error(err))
		if !consume.Sleep(ctx, f.next) {
			return docstore.Stored{}, &failure{err: ctx.Err(), transient: true, attempts: attempt}
		}
	}
}
