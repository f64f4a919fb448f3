package replay

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"golang.org/x/sync/errgroup"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/processor"
)

// Options tune a run.
type Options struct {
	// DryRun verifies and normalizes but publishes nothing (processor.Replayer.DryRun).
	DryRun bool
	// Concurrency is how many callbacks are processed at once (default 8).
	Concurrency int
	// RetryFor bounds the retrying of one callback's transient faults
	// (default 30s); it then counts as failed and the run goes on.
	RetryFor time.Duration
	// OnTotal, if set, hears how many callbacks the run will process,
	// before the first.
	OnTotal func(n uint64)
	// OnDone, if set, hears each callback's outcome, or its error when it
	// failed. Calls do not overlap.
	OnDone func(raw processor.Raw, out processor.Outcome, err error)
}

// Summary counts what a run came to.
type Summary struct {
	DryRun     bool               `json:"dry_run"`
	Processed  int                `json:"processed"`  // callbacks read
	Events     int                `json:"events"`     // new events (would be, in a dry run)
	Duplicates int                `json:"duplicates"` // events published before
	Rejected   map[fax.Reason]int `json:"rejected"`   // by reason
	Failed     int                `json:"failed"`     // transient faults that outlasted RetryFor
	// FirstError is the first failure's error, for people.
	FirstError string `json:"first_error,omitempty"`
}

// Rejections is the number of rejections, all reasons together.
func (s Summary) Rejections() int {
	n := 0
	for _, c := range s.Rejected {
		n += c
	}
	return n
}

// retryPolicy spaces the attempts at a callback that met a transient
// fault.
var retryPolicy = consume.Backoff{Initial: 200 * time.Millisecond, Max: 5 * time.Second, Jitter: consume.Jittered}

// runner processes callbacks with bounded concurrency and sums up.
type runner struct {
	rp   Reprocessor
	opts Options
	g    *errgroup.Group
	ctx  context.Context // the workers', ended by Wait
	stop func() error    // the caller's context's error
	mu   sync.Mutex
	sum  Summary
}

func newRunner(ctx context.Context, rp Reprocessor, opts Options) (*runner, error) {
	if opts.DryRun {
		dry, err := rp.DryRun(ctx)
		if err != nil {
			return nil, err
		}
		rp = dry
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 8
	}
	if opts.RetryFor <= 0 {
		opts.RetryFor = 30 * time.Second
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opts.Concurrency)
	return &runner{rp: rp, opts: opts, g: g, ctx: gctx, stop: ctx.Err,
		sum: Summary{DryRun: opts.DryRun, Rejected: map[fax.Reason]int{}}}, nil
}

// total reports the number of callbacks to come.
func (r *runner) total(n uint64) {
	if r.opts.OnTotal != nil {
		r.opts.OnTotal(n)
	}
}

// submit processes raw on a free worker, waiting for one. It fails only
// when the run is over (ctx ended).
func (r *runner) submit(raw processor.Raw) error {
	if err := r.ctx.Err(); err != nil {
		return err
	}
	r.g.Go(func() error {
		out, err := r.process(raw)
		r.record(raw, out, err)
		return nil
	})
	return nil
}

// wait waits for the callbacks submitted and returns the summary; err is
// the reading's error (nil when every callback was read).
func (r *runner) wait(err error) (Summary, error) {
	_ = r.g.Wait()
	if err == nil {
		err = r.stop()
	}
	return r.sum, err
}

// process runs raw, retrying transient faults with backoff for RetryFor.
func (r *runner) process(raw processor.Raw) (processor.Outcome, error) {
	b := retryPolicy.New(r.opts.RetryFor)
	return backoff.RetryWithData(func() (processor.Outcome, error) {
		out, err := r.rp.Reprocess(r.ctx, raw)
		if err != nil && r.ctx.Err() != nil {
			return out, backoff.Permanent(err)
		}
		return out, err
	}, backoff.WithContext(b, r.ctx))
}

func (r *runner) record(raw processor.Raw, out processor.Outcome, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sum.Processed++
	switch {
	case err != nil:
		r.sum.Failed++
		if r.sum.FirstError == "" {
			r.sum.FirstError = fmt.Sprintf("raw #%d: %v", raw.Seq(), err)
		}
	case out.Kind == processor.Event:
		r.sum.Events++
	case out.Kind == processor.Duplicate:
		r.sum.Duplicates++
	case out.Kind == processor.Rejected:
		r.sum.Rejected[out.Reason]++
	default:
		r.sum.Failed++
		err = errors.New("no outcome")
	}
	if r.opts.OnDone != nil {
		r.opts.OnDone(raw, out, err)
	}
}
