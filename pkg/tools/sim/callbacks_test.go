package sim_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// TestCallbacksAreWhatTheReportSays sends a mix of every provider and
// kind, runs each captured callback through faxpipe's real adapters, and
// checks that it verifies and normalizes to exactly the event the report
// announces for its fax.
func TestCallbacksAreWhatTheReportSays(t *testing.T) {
	tests := []struct {
		name string
		opts sim.Options
		want []string // provider, kind, direction and outcome that must be among those sent
	}{
		{name: "every provider and kind", opts: sim.Options{Count: 150, Seed: 11, FailRate: 0.3}, want: []string{
			"sfax fax inbound received", "sfax fax outbound delivered", "sfax fax outbound failed",
			"gofax fax inbound received", "gofax fax outbound delivered", "gofax fax outbound failed",
			"gofax sms outbound delivered", "gofax sms outbound failed",
			"efax fax inbound received", "efax fax outbound delivered", "efax fax outbound failed", "efax ping inbound ping",
		}},
		{name: "gofax fields in the query too", opts: sim.Options{Count: 30, Seed: 12, Providers: []fax.Provider{fax.GoFax}, GoFaxQueryFields: true},
			want: []string{"gofax fax inbound received", "gofax fax outbound delivered", "gofax sms outbound delivered"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accounts := testAccounts("https://api.example.test")
			in := newIngress(t, accounts)
			tt.opts.Target = in.srv.URL
			rep := simtest.Run(t, newSim(t, accounts, tt.opts))
			if got, want := len(rep.Faxes), tt.opts.Count; got != want {
				t.Fatalf("report has %d faxes, want %d", got, want)
			}
			byID := map[string]sim.Fax{}
			for _, f := range rep.Faxes {
				if !f.Acked || len(f.Callbacks) != 1 || f.Callbacks[0].Attempts != 1 {
					t.Errorf("fax %s: acked %v callbacks %+v, want one acked at the first attempt", f.FaxID, f.Acked, f.Callbacks)
				}
				byID[f.Provider+"/"+f.Account+"/"+f.Channel+"/"+f.FaxID] = f
			}
			envs := in.envelopes()
			if len(envs) != len(rep.Faxes) {
				t.Fatalf("ingress got %d callbacks, want %d", len(envs), len(rep.Faxes))
			}
			seen := map[string]bool{}
			normalize := normalizer(t, accounts)
			for _, env := range envs {
				ev, err := normalize(env)
				if err != nil {
					t.Fatalf("%s callback %s?%s rejected: %v", env.Provider, env.Path, env.Query, err)
				}
				f, ok := byID[string(ev.Provider)+"/"+ev.Account+"/"+string(ev.Channel)+"/"+ev.FaxID]
				if !ok {
					t.Fatalf("event %s/%s/%s not in the report", ev.Provider, ev.Account, ev.FaxID)
				}
				checkEvent(t, f, ev)
				seen[f.Provider+" "+f.Kind+" "+f.Direction+" "+f.Outcome] = true
			}
			for _, w := range tt.want {
				if !seen[w] {
					t.Errorf("no %q among the callbacks: %v", w, seen)
				}
			}
		})
	}
}

// checkEvent fails t unless ev is the event f announces.
func checkEvent(t *testing.T, f sim.Fax, ev fax.Event) {
	t.Helper()
	pages := 0
	if ev.Pages != nil {
		pages = *ev.Pages
	}
	got := fmt.Sprintf("%s %s %s %s %s %v %v %d from=%s to=%s doc=%v id=%s subject=%s",
		ev.Provider, ev.Account, ev.Channel, ev.Direction, ev.Outcome, ev.Success, ev.Test, pages,
		number(ev.From), number(ev.To), ev.Document, ev.ID(), ev.Subject())
	want := fmt.Sprintf("%s %s %s %s %s %v %v %d from=%s to=%s doc=%v id=%s subject=%s",
		f.Provider, f.Account, f.Channel, f.Direction, f.Outcome, f.Success, f.Test, f.Pages,
		f.From, f.To, f.Document != nil, f.EventID, f.Subject)
	if got != want {
		t.Errorf("fax %s (%s):\n got %s\nwant %s", f.FaxID, f.Kind, got, want)
	}
	if f.Document != nil && f.Document.Pages != f.Pages {
		t.Errorf("fax %s: document has %d pages, callback announces %d", f.FaxID, f.Document.Pages, f.Pages)
	}
	if ev.Type() != f.EventType {
		t.Errorf("fax %s: type %s, want %s", f.FaxID, ev.Type(), f.EventType)
	}
}

func number(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Number
}

// TestWrongCredentialsAreRejected has the simulator sign with credentials
// that are not faxpipe's: the real adapters must reject every callback,
// which shows the signatures are real.
func TestWrongCredentialsAreRejected(t *testing.T) {
	tests := []struct {
		name   string
		p      fax.Provider
		forge  func(a *config.Accounts)
		reason fax.Reason
	}{
		{"sfax encryption key", fax.Sfax, func(a *config.Accounts) {
			nth[*sfax.Account](*a, 0).EncryptionKey = config.Literal("ffffffffffffffffffffffffffffffff")
		}, fax.ReasonSignatureInvalid},
		{"sfax API key", fax.Sfax, func(a *config.Accounts) {
			nth[*sfax.Account](*a, 0).APIKey = config.Literal("00000000000000000000000000000000")
		}, fax.ReasonCredentialsMismatch},
		{"gofax password and URL secret", fax.GoFax, func(a *config.Accounts) {
			nth[*gofax.Account](*a, 0).BasicAuth.Password = config.Literal("wrong")
			nth[*gofax.Account](*a, 0).URLSecret.Value = config.Literal("wrong")
			nth[*gofax.Account](*a, 1).URLSecret.Value = config.Literal("wrong")
		}, fax.ReasonCredentialsMismatch},
		{"efax HMAC secret", fax.EFax, func(a *config.Accounts) {
			nth[*efax.Account](*a, 0).HMACSecret = config.Literal("wrong")
		}, fax.ReasonSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			genuine := testAccounts("https://api.example.test")
			forged := testAccounts("https://api.example.test")
			tt.forge(&forged)
			in := newIngress(t, genuine)
			simtest.Run(t, newSim(t, forged, sim.Options{Target: in.srv.URL, Count: 10, Seed: 3, Providers: []fax.Provider{tt.p}}))
			envs := in.envelopes()
			if len(envs) != 10 {
				t.Fatalf("got %d callbacks, want 10", len(envs))
			}
			normalize := normalizer(t, genuine)
			for _, env := range envs {
				if _, err := normalize(env); !errors.Is(err, tt.reason) {
					t.Errorf("%s callback: error %v, want %s", env.Provider, err, tt.reason)
				}
			}
		})
	}
}
