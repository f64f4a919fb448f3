package reconciler

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// maxRetryAfter bounds the wait a provider's Retry-After may impose.
const maxRetryAfter = time.Hour

// pass reconciles t from where its last pass got to (less the overlap),
// or from the catch-up bound, up to the settle time before now, one chunk
// at a time, saving progress after each. A chunk that fails is retried
// with backoff until it succeeds or ctx ends: no window is ever skipped.
func (r *Reconciler) pass(ctx context.Context, t target) error {
	var p progress
	var rev uint64
	if err := r.untilDone(ctx, t, "load progress", func() (err error) {
		p, rev, err = r.feeder.state.load(ctx, t)
		return err
	}); err != nil {
		return err
	}
	now := r.now()
	end := now.Add(-r.cfg.Settle)
	from := r.start(t, p, now)
	for from.Before(end) {
		w := listing.Window{From: from, To: from.Add(r.cfg.Chunk)}
		if w.To.After(end) {
			w.To = end
		}
		if err := r.untilDone(ctx, t, "reconcile window", func() error {
			tally, err := r.tracedWindow(ctx, t, w)
			// Faxes fed in count whether or not the window completed;
			// listings only once it did.
			r.metrics.missed.WithLabelValues(string(t.provider), t.account).Add(float64(tally.Missing))
			if err == nil {
				r.metrics.listed.WithLabelValues(string(t.provider), t.account).Add(float64(tally.Listed))
			}
			return err
		}); err != nil {
			return err
		}
		if w.To.After(p.To) {
			p = progress{To: w.To, Updated: r.now(), Holder: r.holder}
			if err := r.untilDone(ctx, t, "save progress", func() error {
				next, err := r.feeder.state.save(ctx, t, p, rev)
				if err != nil {
					// The entry moved or expired: write over what is there now.
					if _, cur, lerr := r.feeder.state.load(ctx, t); lerr == nil {
						rev = cur
					}
					return err
				}
				rev = next
				return nil
			}); err != nil {
				return err
			}
			r.metrics.reconciled.WithLabelValues(string(t.provider), t.account).Set(float64(p.To.Unix()))
		}
		from = w.To
	}
	r.metrics.lastSuccess.WithLabelValues(string(t.provider), t.account).Set(float64(r.now().Unix()))
	return nil
}

// tracedWindow reconciles window w of t in a span of its own (each
// attempt at it), whose context the faxes it feeds in carry.
func (r *Reconciler) tracedWindow(ctx context.Context, t target, w listing.Window) (Tally, error) {
	ctx, sp := r.deps.Tracer.Start(ctx, "reconcile window")
	traceTarget(sp, t)
	sp.SetTime("faxpipe.window.from", w.From)
	sp.SetTime("faxpipe.window.to", w.To)
	tally, err := r.feeder.window(ctx, t, w, false)
	sp.SetInt("faxpipe.listed", int64(tally.Listed))
	sp.SetInt("faxpipe.missing", int64(tally.Missing))
	sp.End(err)
	return tally, err
}

// start is where a pass over t begins: the overlap before its progress,
// but never before the catch-up bound.
func (r *Reconciler) start(t target, p progress, now time.Time) time.Time {
	floor := now.Add(-r.cfg.CatchUp)
	if p.To.IsZero() {
		return floor
	}
	from := p.To.Add(-r.cfg.Overlap)
	if from.Before(floor) {
		if !p.To.Before(floor) {
			return floor // only the overlap reaches past the bound: nothing is skipped
		}
		r.log.Warn("the account was last reconciled longer ago than reconciler.catch_up: faxes completed before the catch-up window are not listed",
			zap.Stringer("account", t), zap.Time("reconciled_to", p.To), zap.Time("from", floor))
		return floor
	}
	return from
}

// untilDone runs fn until it succeeds or ctx ends, backing off between
// attempts; a provider's Retry-After (429, 503) lengthens the wait.
func (r *Reconciler) untilDone(ctx context.Context, t target, what string, fn func() error) error {
	b := r.policy.New(0)
	for {
		err := fn()
		if err == nil || ctx.Err() != nil {
			return ctx.Err()
		}
		r.metrics.errors.WithLabelValues(string(t.provider), t.account).Inc()
		d := retryDelay(b.NextBackOff(), err)
		r.log.Warn("reconciling failed; retrying", zap.Stringer("account", t), zap.String("step", what),
			zap.Duration("retry_in", d), zap.Error(err))
		if !consume.Sleep(ctx, d) {
			return ctx.Err()
		}
	}
}

// retryDelay is the wait after err: the backoff's next delay, or the
// provider's Retry-After when longer (at most maxRetryAfter).
func retryDelay(next time.Duration, err error) time.Duration {
	var se *docfetch.StatusError
	if errors.As(err, &se) && se.RetryAfter > next {
		return min(se.RetryAfter, maxRetryAfter)
	}
	return next
}
