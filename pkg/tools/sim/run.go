package sim

import (
	"context"
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"
	"golang.org/x/time/rate"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Run sends the faxes the options ask for — Count of them, or Rate per
// second for Duration (at most Count, if set) — and returns when every
// callback is acknowledged, given up, suspended or lost (never sent, see
// Options.LoseRate), or ctx ends (the callbacks in progress are then
// reported interrupted, and ctx's error returned with the report). The
// report covers every Run so far and the API's answers until now; Report
// gives a later snapshot.
func (s *Simulator) Run(ctx context.Context) (*Report, error) {
	var wg sync.WaitGroup
	pending := semaphore.NewWeighted(int64(s.opts.MaxPending))
	dispatch := func(f *simFax) {
		if err := pending.Acquire(ctx, 1); err != nil {
			s.record(s.del.deliver(ctx, f)) // reported interrupted at once
			return
		}
		wg.Go(func() {
			defer pending.Release(1)
			s.record(s.del.deliver(ctx, f))
		})
	}
	order := &reorderer{rate: s.opts.OutOfOrderRate, rng: s.gen.decide}
	err := s.generate(ctx, func(f *simFax) {
		if f.listed != nil {
			// Its provider lists it from now on, whatever becomes of its
			// callback.
			s.api.received.add(f.report, f.listed)
		}
		for _, g := range order.push(f) {
			dispatch(g)
		}
	})
	for _, g := range order.flush() {
		dispatch(g)
	}
	wg.Wait()
	if err == nil {
		err = ctx.Err() // deliveries were cut short
	}
	rep := s.Report()
	s.log.Info("faxes sent", zap.Int("faxes", len(rep.Faxes)), zap.Int("acked", rep.Total.Acked), zap.Int("given_up", rep.Total.GivenUp), zap.Int("lost", rep.Total.Lost))
	return rep, err
}

// generate makes the run's faxes and hands each to emit: Count at once,
// or at Rate per second until Duration or Count. It stops early when ctx
// ends, returning ctx's error.
func (s *Simulator) generate(ctx context.Context, emit func(*simFax)) error {
	if s.opts.Rate == 0 {
		for range s.opts.Count {
			if err := ctx.Err(); err != nil {
				return err
			}
			emit(s.gen.next(time.Now()))
		}
		return nil
	}
	run := ctx
	if s.opts.Duration > 0 {
		var cancel context.CancelFunc
		run, cancel = context.WithTimeout(ctx, s.opts.Duration)
		defer cancel()
	}
	limiter := rate.NewLimiter(rate.Limit(s.opts.Rate), 1)
	for n := 0; s.opts.Count == 0 || n < s.opts.Count; n++ {
		if err := limiter.Wait(run); err != nil {
			// ctx ended, or the duration is over (or the next fax would
			// come after it): done.
			return ctx.Err()
		}
		emit(s.gen.next(time.Now()))
	}
	return nil
}

// record adds a delivered fax to the report.
func (s *Simulator) record(f Fax) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faxes = append(s.faxes, f)
}

// Report is a snapshot of what the simulator has sent so far, faxes in
// the order generated, and of the API's answers.
func (s *Simulator) Report() *Report {
	s.mu.Lock()
	faxes := make([]Fax, len(s.faxes))
	copy(faxes, s.faxes)
	s.mu.Unlock()
	sort.Slice(faxes, func(i, j int) bool { return faxes[i].Seq < faxes[j].Seq })
	rep := &Report{
		Target: s.opts.Target, APIURL: s.APIURL(), Seed: s.opts.Seed,
		StartedAt: s.started.UTC(), Elapsed: Duration(time.Since(s.started)),
		Faxes: faxes, Providers: map[string]*Totals{},
	}
	for _, p := range names(s.sims) {
		rep.Providers[string(p)] = &Totals{Documents: s.api.stats.of(p)}
		rep.order = append(rep.order, string(p))
	}
	for i := range faxes {
		f := &faxes[i]
		if f.Document != nil {
			f.DocumentServed = s.api.stats.servedOf(docKey{fax.Provider(f.Provider), f.Account, f.FaxID})
		}
		rep.Providers[f.Provider].add(*f)
	}
	for _, p := range rep.order {
		rep.Total.sum(*rep.Providers[p])
	}
	return rep
}
