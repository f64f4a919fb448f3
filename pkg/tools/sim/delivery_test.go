package sim_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// noDocuments are the kinds without a document, quicker to send by the
// hundred (a received fax's document is drawn for the report).
var noDocuments = []string{sim.KindFaxOut, sim.KindSMS, sim.KindPing}

// TestDuplicatesAtTheirRate: about the asked share of faxes has its
// callback sent twice, both acked, both making the same event; eFax and
// GoFax resend the very bytes.
func TestDuplicatesAtTheirRate(t *testing.T) {
	accounts := testAccounts("https://api.example.test")
	in := newIngress(t, accounts)
	const n = 300
	rep := simtest.Run(t, newSim(t, accounts, sim.Options{Target: in.srv.URL, Count: n, Seed: 81, DuplicateRate: 0.3, Kinds: noDocuments}))
	if d := rep.Total.Duplicates; d < n*20/100 || d > n*40/100 {
		t.Errorf("%d duplicates of %d faxes, want about 30%%", d, n)
	}
	envs := in.envelopes()
	if len(envs) != n+rep.Total.Duplicates || rep.Total.Acked != len(envs) {
		t.Fatalf("ingress got %d callbacks, report says %d faxes + %d duplicates, %d acked", len(envs), n, rep.Total.Duplicates, rep.Total.Acked)
	}
	normalize := normalizer(t, accounts)
	byEvent := map[string][]*fax.Envelope{}
	for _, env := range envs {
		ev, err := normalize(env)
		if err != nil {
			t.Fatal(err)
		}
		byEvent[ev.ID()] = append(byEvent[ev.ID()], env)
	}
	for _, f := range rep.Faxes {
		envs := byEvent[f.EventID]
		if len(envs) != len(f.Callbacks) {
			t.Errorf("fax %s: %d callbacks make its event, report says %d", f.FaxID, len(envs), len(f.Callbacks))
		}
		if len(envs) == 2 && f.Provider != string(fax.Sfax) && !bytes.Equal(envs[0].Body, envs[1].Body) {
			t.Errorf("%s duplicate of %s has other bytes", f.Provider, f.FaxID)
		}
		if len(f.Callbacks) == 2 && (!f.Callbacks[1].Duplicate || f.Callbacks[0].Duplicate) {
			t.Errorf("fax %s callbacks %+v: the second should be the duplicate", f.FaxID, f.Callbacks)
		}
	}
}

// TestOutOfOrderAtItsRate sends one callback at a time: exactly the
// callbacks the report marks out of order arrive after a callback of a
// fax generated later, and they are about the asked share.
func TestOutOfOrderAtItsRate(t *testing.T) {
	accounts := testAccounts("https://api.example.test")
	in := newIngress(t, accounts)
	const n = 300
	rep := simtest.Run(t, newSim(t, accounts, sim.Options{Target: in.srv.URL, Count: n, Seed: 82, OutOfOrderRate: 0.25, Concurrency: 1, MaxPending: 1, Kinds: noDocuments}))
	if o := rep.Total.OutOfOrder; o < n*15/100 || o > n*35/100 {
		t.Errorf("%d out of order of %d, want about 25%%", o, n)
	}
	seqOf := map[string]int{}
	marked := map[int]bool{}
	for _, f := range rep.Faxes {
		seqOf[f.EventID] = f.Seq
		marked[f.Seq] = f.Callbacks[0].OutOfOrder
	}
	normalize := normalizer(t, accounts)
	latest := 0
	for i, env := range in.envelopes() {
		ev, err := normalize(env)
		if err != nil {
			t.Fatal(err)
		}
		seq := seqOf[ev.ID()]
		if late := seq < latest; late != marked[seq] {
			t.Errorf("callback %d (fax %d) arrived after fax %d: out of order %v, report says %v", i, seq, latest, late, marked[seq])
		}
		latest = max(latest, seq)
	}
}

// TestSameSeedSameFaxes: a seed makes a run reproducible; another seed
// makes other faxes.
func TestSameSeedSameFaxes(t *testing.T) {
	accounts := testAccounts("https://api.example.test")
	in := newIngress(t, accounts)
	ids := func(seed uint64) []string {
		rep := simtest.Run(t, newSim(t, accounts, sim.Options{Target: in.srv.URL, Count: 20, Seed: seed, DuplicateRate: 0.2, OutOfOrderRate: 0.2}))
		var out []string
		for _, f := range rep.Faxes {
			out = append(out, f.Provider+f.Kind+f.Outcome+f.FaxID+f.From+f.To)
		}
		return out
	}
	a, b, c := ids(91), ids(91), ids(92)
	for i := range a {
		if a[i] != b[i] {
			t.Errorf("fax %d: %s, then %s with the same seed", i, a[i], b[i])
		}
		if a[i] == c[i] {
			t.Errorf("fax %d: %s with two seeds", i, a[i])
		}
	}
}

// TestRateAndDuration: -rate with -duration sends for that long; with a
// count, no more than it.
func TestRateAndDuration(t *testing.T) {
	tests := []struct {
		name           string
		opts           sim.Options
		minN, maxN     int
		minTime        time.Duration
		maxTimeAllowed time.Duration
	}{
		{"rate for a duration", sim.Options{Rate: 40, Duration: 500 * time.Millisecond}, 5, 25, 450 * time.Millisecond, 10 * time.Second},
		{"rate capped by count", sim.Options{Rate: 100, Count: 5}, 5, 5, 30 * time.Millisecond, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accounts := testAccounts("https://api.example.test")
			in := newIngress(t, accounts)
			tt.opts.Target, tt.opts.Seed = in.srv.URL, 93
			start := time.Now()
			rep := simtest.Run(t, newSim(t, accounts, tt.opts))
			took := time.Since(start)
			if n := len(rep.Faxes); n < tt.minN || n > tt.maxN || took < tt.minTime || took > tt.maxTimeAllowed {
				t.Errorf("%d faxes in %s, want %d to %d in at least %s", n, took, tt.minN, tt.maxN, tt.minTime)
			}
		})
	}
}

// TestRunStopsWithItsContext: a run whose context ends reports its
// callbacks interrupted, not given up, and returns the context's error.
func TestRunStopsWithItsContext(t *testing.T) {
	accounts := testAccounts("https://api.example.test")
	in := newIngress(t, accounts)
	in.answer = failFirst(1 << 30)
	s := newSim(t, accounts, sim.Options{Target: in.srv.URL, Count: 5, Seed: 94})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	rep, err := s.Run(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run: %v, want the context's deadline", err)
	}
	if rep.Total.Interrupted != 5 || rep.Total.GivenUp != 0 || rep.Total.Acked != 0 {
		t.Errorf("totals %+v, want 5 interrupted", rep.Total)
	}
}
