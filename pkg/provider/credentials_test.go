package provider_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// TestCredentialCheckersAgainstTheSimulator is every provider's
// docfetch.CredentialChecker's conformance, against the provider's
// simulation: the example configuration's account passes; the same
// account with any one API credential wrong (each secret the API calls
// use) is refused, docfetch.ErrUnauthorized; an account the checker does
// not have is docfetch.ErrUnknownAccount.
func TestCredentialCheckersAgainstTheSimulator(t *testing.T) {
	cfg, err := config.Load("../../deploy/config/faxpipe.example.yaml", func(string) string { return "" }, provider.AccountTypes())
	if err != nil {
		t.Fatal(err)
	}
	s := simtest.Start(t, provider.Sims, cfg.Accounts,
		sim.Options{Target: "http://127.0.0.1:1", APIListen: "127.0.0.1:0", RewriteAPIBaseURL: true}, zap.NewNop())
	accounts := s.Accounts()
	opts := docfetch.Options{HTTP: &http.Client{Timeout: 10 * time.Second}}
	checkers, err := provider.NewCredentialCheckers(accounts, opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []fax.Provider{fax.Sfax, fax.GoFax, fax.EFax} {
		if _, ok := checkers[p]; !ok {
			t.Errorf("%s has no credential checker", p)
		}
	}
	for i, a := range accounts {
		p, id := a.Provider(), a.Base().ID
		ck, ok := checkers[p]
		if !ok {
			continue
		}
		t.Run(string(p), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := ck.CheckCredentials(ctx, id); err != nil {
				t.Errorf("right credentials: %v", err)
			}
			if err := ck.CheckCredentials(ctx, "no-such-account"); !errors.Is(err, docfetch.ErrUnknownAccount) {
				t.Errorf("unknown account: %v, want docfetch.ErrUnknownAccount", err)
			}
			names := apiSecrets(a)
			if len(names) == 0 {
				t.Fatalf("no API credential to get wrong")
			}
			for _, name := range names {
				wrong := accounts.Clone()
				sec := wrong[i].Secrets()[name].Secret
				v := []rune(sec.Reveal())
				slices.Reverse(v)
				if string(v) == sec.Reveal() {
					t.Fatalf("%s: reversing it changes nothing", name)
				}
				*sec = config.Literal(string(v))
				wck, err := provider.NewCredentialCheckers(wrong, opts)
				if err != nil {
					t.Fatal(err)
				}
				if err := wck[p].CheckCredentials(ctx, id); !errors.Is(err, docfetch.ErrUnauthorized) {
					t.Errorf("wrong %s: %v, want docfetch.ErrUnauthorized", name, err)
				}
			}
		})
	}
}

// apiSecrets are the names of a's secrets that its API calls use: the
// downloader's (the reconciler also verifies with the callback secrets).
func apiSecrets(a config.ProviderAccount) []string {
	var out []string
	for name, s := range a.Secrets() {
		if s.By&config.UseDownloader != 0 && s.Secret.IsSet() {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
