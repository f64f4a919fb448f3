package reconciler

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// oneShotAttempts bounds the attempts at one window of a one-shot: an
// operator is waiting, and is told which window failed.
const oneShotAttempts = 5

// RangeOptions choose what a one-shot reconciles.
type RangeOptions struct {
	Provider fax.Provider // empty: every provider with a listing API
	Account  string       // empty: every account of the provider(s)
	Window   listing.Window
	DryRun   bool // list and report, feed nothing
	// Progress is told after each chunk how many of the chunks are done
	// and the tally so far; Found of each fax faxpipe never heard of. Both
	// may be nil.
	Progress func(done, total int, so Tally)
	Found    func(Found)
}

// Range reconciles opts.Window once for the chosen accounts, chunk by
// chunk (cfg.Chunk), whatever their leases and without moving their
// progress: the operator's repair after an outage, or its dry run, which
// changes nothing at all. It is safe beside running reconcilers: nothing
// is fed twice. It refuses a window reaching back further than the
// processor remembers event ids (deps.DedupeTTL less config.DedupeMargin):
// a fax listed there might be published again. A window that still fails
// after a few attempts (Retry-After respected) stops the run with an
// error saying from when nothing was reconciled.
func Range(ctx context.Context, deps Deps, cfg config.Reconciler, opts RangeOptions) (Tally, error) {
	if !opts.Window.From.Before(opts.Window.To) {
		return Tally{}, fmt.Errorf("empty window: %s is not before %s", opts.Window.From.Format(time.RFC3339), opts.Window.To.Format(time.RFC3339))
	}
	now := time.Now
	if deps.Now != nil {
		now = deps.Now
	}
	if horizon := now().Add(-deps.DedupeTTL + config.DedupeMargin); deps.DedupeTTL > 0 && opts.Window.From.Before(horizon) {
		return Tally{}, fmt.Errorf("the window starts at %s, before %s: faxpipe no longer remembers the event ids of older faxes "+
			"(streams.dedupe_ttl %s, less %s), so reconciling them could publish their events again",
			opts.Window.From.UTC().Format(time.RFC3339), horizon.UTC().Format(time.RFC3339), deps.DedupeTTL, config.DedupeMargin)
	}
	targets, err := chosen(deps, opts)
	if err != nil {
		return Tally{}, err
	}
	f, err := openFeeder(ctx, deps, cfg, !opts.DryRun)
	if err != nil {
		return Tally{}, err
	}
	f.found = opts.Found
	chunks := split(opts.Window, cfg.Chunk)
	total, done := len(targets)*len(chunks), 0
	var sum Tally
	for _, t := range targets {
		for _, w := range chunks {
			tally, err := oneWindow(ctx, f, t, w, opts.DryRun, cfg)
			if err != nil {
				return sum, fmt.Errorf("%s: window %s to %s: %w (faxes completed from %s on were not reconciled)",
					t, w.From.Format(time.RFC3339), w.To.Format(time.RFC3339), err, w.From.Format(time.RFC3339))
			}
			sum.Add(tally)
			done++
			if opts.Progress != nil {
				opts.Progress(done, total, sum)
			}
		}
	}
	return sum, nil
}

// oneWindow reconciles w, trying oneShotAttempts times with the
// service's backoff (a provider's Retry-After lengthening the wait).
func oneWindow(ctx context.Context, f *feeder, t target, w listing.Window, dry bool, cfg config.Reconciler) (Tally, error) {
	b := consume.Backoff{Initial: cfg.InitialBackoff, Max: cfg.MaxBackoff, Multiplier: 2, Jitter: consume.Jittered}.New(0)
	var sum Tally
	for attempt := 1; ; attempt++ {
		tally, err := f.window(ctx, t, w, dry)
		sum.Missing += tally.Missing // fed in, whether or not the window completed
		if err == nil {
			tally.Missing = sum.Missing
			return tally, nil
		}
		if attempt == oneShotAttempts || !consume.Sleep(ctx, retryDelay(b.NextBackOff(), err)) {
			return sum, err
		}
	}
}

// chosen are the accounts opts names, among those with a listing API; an
// account with reconcile: false only when opts names it.
func chosen(deps Deps, opts RangeOptions) ([]target, error) {
	var out []target
	for _, a := range deps.Accounts {
		p, id := a.Provider(), a.Base().ID
		if (opts.Provider != "" && p != opts.Provider) || (opts.Account != "" && id != opts.Account) {
			continue
		}
		if !a.Base().Reconciles() && opts.Account == "" {
			continue
		}
		if _, ok := deps.Listers[p]; !ok {
			if opts.Provider != "" {
				return nil, fmt.Errorf("provider %s has no listing API faxpipe can reconcile from", p)
			}
			continue
		}
		out = append(out, target{p, id})
	}
	if len(out) == 0 {
		return nil, errors.New("no configured account matches (of a provider with a listing API)")
	}
	slices.SortFunc(out, func(a, b target) int { return cmp.Compare(a.String(), b.String()) })
	return out, nil
}

// split cuts w into windows of at most chunk.
func split(w listing.Window, chunk time.Duration) []listing.Window {
	var out []listing.Window
	for from := w.From; from.Before(w.To); {
		to := from.Add(chunk)
		if to.After(w.To) {
			to = w.To
		}
		out = append(out, listing.Window{From: from, To: to})
		from = to
	}
	return out
}
