package sim_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// failFirst answers 503 to the first n requests, then the provider's
// success.
func failFirst(n int) func(int, http.ResponseWriter, fax.Provider) {
	return func(i int, w http.ResponseWriter, p fax.Provider) {
		if i < n {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		ok(w, p)
	}
}

// TestRetriesUntilAcknowledged: a target answering 503 twice then 200
// gets the callback three times, spaced by the provider's scaled delays.
func TestRetriesUntilAcknowledged(t *testing.T) {
	const scale = 0.001
	for _, ps := range provider.Sims {
		spec := ps.Spec()
		p := spec.Name
		t.Run(string(p), func(t *testing.T) {
			accounts := testAccounts("https://api.example.test")
			in := newIngress(t, accounts)
			in.answer = failFirst(2)
			rep := simtest.Run(t, newSim(t, accounts, sim.Options{Target: in.srv.URL, Count: 1, Seed: 7, RetryScale: scale, Providers: []fax.Provider{p}}))
			cb := rep.Faxes[0].Callbacks[0]
			if cb.Attempts != 3 || !cb.Acked || cb.GaveUp || cb.Status != http.StatusOK || !rep.Faxes[0].Acked {
				t.Errorf("callback %+v, want acked at the third attempt", cb)
			}
			at := in.times()
			if len(at) != 3 {
				t.Fatalf("target got %d requests, want 3", len(at))
			}
			delays := spec.Policy.Delays
			for i := 1; i < len(at); i++ {
				want := time.Duration(float64(delays[i-1]) * scale)
				if gap := at[i].Sub(at[i-1]); gap < want || gap > want+5*time.Second {
					t.Errorf("attempt %d came %s after the previous, want %s (scaled)", i+1, gap, want)
				}
			}
			if tot := rep.Total; tot.Retries != 2 || tot.Attempts != 3 || tot.Acked != 1 || tot.GivenUp != 0 {
				t.Errorf("totals %+v", tot)
			}
		})
	}
}

// TestGivesUpAfterTheProvidersAttempts: a target always answering 500
// gets each provider's number of attempts, and the callback is reported
// given up.
func TestGivesUpAfterTheProvidersAttempts(t *testing.T) {
	tests := []struct {
		p        fax.Provider
		attempts int
	}{
		{fax.Sfax, 5},  // 5 attempts 2 minutes apart [doc]
		{fax.GoFax, 4}, // assumed [?]
		{fax.EFax, 6},  // the first and five retries [doc]
	}
	for _, tt := range tests {
		t.Run(string(tt.p), func(t *testing.T) {
			accounts := testAccounts("https://api.example.test")
			in := newIngress(t, accounts)
			in.answer = func(_ int, w http.ResponseWriter, _ fax.Provider) { w.WriteHeader(http.StatusInternalServerError) }
			rep := simtest.Run(t, newSim(t, accounts, sim.Options{Target: in.srv.URL, Count: 1, Seed: 8, RetryScale: 0.0001, Providers: []fax.Provider{tt.p}}))
			cb := rep.Faxes[0].Callbacks[0]
			if !cb.GaveUp || cb.Acked || cb.Attempts != tt.attempts || cb.Status != http.StatusInternalServerError {
				t.Errorf("callback %+v, want given up after %d attempts", cb, tt.attempts)
			}
			if got := len(in.envelopes()); got != tt.attempts {
				t.Errorf("target got %d requests, want %d", got, tt.attempts)
			}
			if got := rep.GivenUp(); len(got) != 1 || rep.Faxes[0].Acked {
				t.Errorf("given up %v, acked %v", got, rep.Faxes[0].Acked)
			}
		})
	}
}

// TestEFaxNeedsAJSONAnswer: eFax retries a 200 without a JSON body [doc].
func TestEFaxNeedsAJSONAnswer(t *testing.T) {
	accounts := testAccounts("https://api.example.test")
	in := newIngress(t, accounts)
	in.answer = func(i int, w http.ResponseWriter, p fax.Provider) {
		if i == 0 {
			w.WriteHeader(http.StatusOK) // no body
			return
		}
		ok(w, p)
	}
	rep := simtest.Run(t, newSim(t, accounts, sim.Options{Target: in.srv.URL, Count: 1, Seed: 9, RetryScale: 0.0001, Providers: []fax.Provider{fax.EFax}}))
	if cb := rep.Faxes[0].Callbacks[0]; cb.Attempts != 2 || !cb.Acked {
		t.Errorf("callback %+v, want acked at the second attempt", cb)
	}
}

// TestSfaxSuspendsAfterConsecutiveFailures: after SfaxSuspendAfter failed
// attempts in a row, an Sfax account's callbacks are no longer sent.
func TestSfaxSuspendsAfterConsecutiveFailures(t *testing.T) {
	accounts := testAccounts("https://api.example.test")
	in := newIngress(t, accounts)
	in.answer = func(_ int, w http.ResponseWriter, _ fax.Provider) { w.WriteHeader(http.StatusBadGateway) }
	rep := simtest.Run(t, newSim(t, accounts, sim.Options{
		Target: in.srv.URL, Count: 4, Seed: 10, RetryScale: 0.0001, Concurrency: 1, MaxPending: 1,
		SfaxSuspendAfter: 7, Providers: []fax.Provider{fax.Sfax},
	}))
	if got := len(in.envelopes()); got != 7 {
		t.Errorf("target got %d requests, want 7 (then suspended)", got)
	}
	tot := rep.Total
	if tot.GivenUp != 1 || tot.Suspended != 3 || tot.Attempts != 7 || len(rep.GivenUp()) != 4 {
		t.Errorf("totals %+v, want 1 given up after 5 attempts, then 3 suspended", tot)
	}
}

// TestNoCredentialInErrors: a callback that gets no answer is reported
// with its error, without the query string that carries credentials.
func TestNoCredentialInErrors(t *testing.T) {
	accounts := testAccounts("https://api.example.test")
	rep := simtest.Run(t, newSim(t, accounts, sim.Options{
		Target: "http://127.0.0.1:1", Count: 6, Seed: 13, RetryScale: 0.00001, CallbackTimeout: time.Second,
		Providers: []fax.Provider{fax.Sfax, fax.GoFax},
	}))
	for _, f := range rep.Faxes {
		cb := f.Callbacks[0]
		if !cb.GaveUp || cb.Error == "" || cb.Status != 0 {
			t.Errorf("%s callback %+v, want given up with a connection error", f.Provider, cb)
		}
		for _, secret := range []string{"apikey", "token=", "5787A4ED", "url-secret", "?"} {
			if strings.Contains(cb.Error, secret) {
				t.Errorf("%s callback error %q shows %q", f.Provider, cb.Error, secret)
			}
		}
	}
}
