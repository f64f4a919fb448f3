package sim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sort"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestDocumentFaults injects each fault at rate 1 (or for the first
// fetches) and checks what faxpipe's own clients see, for each provider.
func TestDocumentFaults(t *testing.T) {
	tests := []struct {
		name   string
		faults sim.Faults
		check  func(t *testing.T, p fax.Provider, body []byte, err error)
		count  func(sim.FaultTotals) int
	}{
		{"5xx", sim.Faults{ErrorRate: 1}, func(t *testing.T, _ fax.Provider, _ []byte, err error) {
			var se *docfetch.StatusError
			if !errors.As(err, &se) || se.Code < 500 {
				t.Errorf("error %v, want a 5xx", err)
			}
		}, func(f sim.FaultTotals) int { return f.Errors }},
		{"429", sim.Faults{TooManyRate: 1, RetryAfter: 3 * time.Second}, func(t *testing.T, _ fax.Provider, _ []byte, err error) {
			var se *docfetch.StatusError
			if !errors.As(err, &se) || se.Code != http.StatusTooManyRequests || se.RetryAfter != 3*time.Second {
				t.Errorf("error %v, want a 429 asking for 3s", err)
			}
		}, func(f sim.FaultTotals) int { return f.TooMany }},
		{"stall", sim.Faults{StallRate: 1}, func(t *testing.T, _ fax.Provider, body []byte, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) || len(body) == 0 {
				t.Errorf("read %d bytes, error %v: want part of the document, then an unexpected EOF", len(body), err)
			}
		}, func(f sim.FaultTotals) int { return f.Stalls }},
		{"not yet", sim.Faults{NotYetAvailable: 1}, func(t *testing.T, p fax.Provider, _ []byte, err error) {
			var se *docfetch.StatusError
			notFound := errors.As(err, &se) && se.Code == http.StatusNotFound
			if p == fax.Sfax {
				notFound = errors.Is(err, docfetch.ErrRefused) // Sfax answers 200 {"isSuccess":false}
			}
			if !notFound {
				t.Errorf("%s: error %v, want the provider's not-found answer", p, err)
			}
		}, func(f sim.FaultTotals) int { return f.NotYet }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, events := received(t, 9, sim.Options{Seed: 61, Faults: tt.faults, MaxStall: 100 * time.Millisecond})
			cs := documentClients(t, s.Accounts())
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			for _, ev := range events {
				body, err := fetch(ctx, cs, ev, docfetch.PDF)
				tt.check(t, ev.Provider, body, err)
			}
			rep := s.Report()
			if got := tt.count(rep.Total.Documents.Faults); got != len(events) || rep.Total.Documents.Served != 0 {
				t.Errorf("%d faults and %d documents served, want %d and 0", got, rep.Total.Documents.Served, len(events))
			}
			if tt.faults.NotYetAvailable > 0 {
				for _, ev := range events {
					if _, err := fetch(ctx, cs, ev, docfetch.PDF); err != nil {
						t.Errorf("%s second fetch: %v", ev.Provider, err)
					}
				}
			}
		})
	}
}

// TestFaultRates fetches many times with partial rates and a fixed seed:
// each fault comes at about its rate, and the same seed gives the same
// faults in the same order.
func TestFaultRates(t *testing.T) {
	faults := sim.Faults{ErrorRate: 0.2, TooManyRate: 0.1, Latency: time.Millisecond}
	const fetches = 40
	var sequences [2][]string
	for i := range sequences {
		s, _, events := received(t, 6, sim.Options{Seed: 71, Faults: faults})
		sort.Slice(events, func(i, j int) bool { return events[i].FaxID < events[j].FaxID })
		cs := documentClients(t, s.Accounts())
		for _, ev := range events {
			for range fetches {
				_, err := fetch(context.Background(), cs, ev, docfetch.PDF)
				sequences[i] = append(sequences[i], faultOf(err))
			}
		}
		n := float64(len(events) * fetches)
		f := s.Report().Total.Documents.Faults
		if f.Errors < int(0.12*n) || f.Errors > int(0.28*n) || f.TooMany < int(0.04*n) || f.TooMany > int(0.16*n) || f.Delayed != int(n) {
			t.Errorf("over %v fetches: %+v, want about 20%% 5xx, 10%% 429, every one delayed", n, f)
		}
	}
	for i := range sequences[0] {
		if sequences[0][i] != sequences[1][i] {
			t.Fatalf("fetch %d: %s, then %s with the same seed", i, sequences[0][i], sequences[1][i])
		}
	}
}

// faultOf names the outcome of a fetch.
func faultOf(err error) string {
	var se *docfetch.StatusError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &se):
		return http.StatusText(se.Code)
	}
	return err.Error()
}
