package sim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx/telnyxsim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// testAccounts are one Sfax, two GoFax (Basic auth and URL secret; URL
// secret only), one eFax and one Telnyx account (the demo key pair's),
// their APIs at apiBase.
func testAccounts(apiBase string) config.Accounts {
	base := func(id string) config.AccountBase { return config.AccountBase{ID: id, APIBaseURL: apiBase} }
	return config.Accounts{
		&sfax.Account{
			AccountBase: base("clinic"), Username: "clinic-api",
			APIKey:        config.Literal("5787A4EDBCDE46F9D6D2E067AC7097DC"),
			EncryptionKey: config.Literal("0123456789abcdef0123456789abcdef"),
			InitVector:    config.Literal("fedcba9876543210"),
			TokenWindow:   15 * time.Minute,
		},
		&gofax.Account{
			AccountBase: base("au-main"),
			BasicAuth:   gofax.BasicAuth{Username: "gofax", Password: config.Literal("gofax-password")},
			URLSecret:   gofax.URLSecret{Param: "secret", Value: config.Literal("url-secret-1")},
			APIToken:    config.Literal("gofax-api-token-1"),
		},
		&gofax.Account{
			AccountBase: base("au-jobs"),
			URLSecret:   gofax.URLSecret{Param: "k", Value: config.Literal("url secret+2&")},
			APIToken:    config.Literal("gofax-api-token-2"),
		},
		&efax.Account{
			AccountBase: base("acme"), AppID: "d580162d-d162-4353-bd55-c2044ab20711",
			APIKey: config.Literal("efax-api-key/+="), HMACSecret: config.Literal("efax-hmac-secret"),
		},
		&telnyx.Account{
			AccountBase: base("fax-app"), PublicKey: telnyxsim.DemoPublicKey,
			APIKey: config.Literal("KEY0123456789ABCDEF_telnyx"), Tolerance: telnyx.DefaultTolerance,
		},
	}
}

// nth is the i-th account of type P in a, pointing into a.
func nth[P config.ProviderAccount](a config.Accounts, i int) P {
	for _, acc := range a {
		if p, ok := acc.(P); ok {
			if i == 0 {
				return p
			}
			i--
		}
	}
	panic("no such account")
}

// ingress is a test server standing in for faxpipe's ingress: it
// captures each callback into an envelope (secrets digested, as the
// ingress does) and answers with answer (by default, each provider's
// success).
type ingress struct {
	t        *testing.T
	srv      *httptest.Server
	accounts config.Accounts
	digester *fax.Digester
	answer   func(n int, w http.ResponseWriter, p fax.Provider) // n: requests before this one

	mu   sync.Mutex
	envs []*fax.Envelope
	at   []time.Time
}

func newIngress(t *testing.T, accounts config.Accounts) *ingress {
	t.Helper()
	in := &ingress{t: t, accounts: accounts, digester: providertest.Digester(t)}
	in.srv = httptest.NewServer(http.HandlerFunc(in.serve))
	t.Cleanup(in.srv.Close)
	return in
}

func (in *ingress) serve(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/callbacks/"), "/")
	if len(parts) != 2 {
		http.NotFound(w, r)
		return
	}
	p := fax.Provider(parts[0])
	body, err := io.ReadAll(r.Body)
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	req := providertest.Request{Account: parts[1], Method: r.Method, Query: r.URL.RawQuery, Headers: r.Header, Body: string(body)}
	env := req.Envelope(p, provider.Callbacks[p], in.secretParams(p, parts[1]), in.digester)
	env.ReceivedAt = time.Now().UTC()
	in.mu.Lock()
	n := len(in.envs)
	in.envs = append(in.envs, env)
	in.at = append(in.at, time.Now())
	answer := in.answer
	in.mu.Unlock()
	if answer != nil {
		answer(n, w, p)
		return
	}
	ok(w, p)
}

// ok is the ingress's success answer for p.
func ok(w http.ResponseWriter, p fax.Provider) {
	spec := provider.Callbacks[p]
	if spec.Answer.ContentType != "" {
		w.Header().Set("Content-Type", spec.Answer.ContentType)
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(spec.Answer.Body)
}

// secretParams are the account's URL secret parameters, as the ingress
// digests them.
func (in *ingress) secretParams(p fax.Provider, account string) []string {
	for _, a := range in.accounts.All() {
		if a.Provider == p && a.ID == account {
			return a.SecretQueryParams
		}
	}
	return nil
}

// envelopes returns what was captured so far.
func (in *ingress) envelopes() []*fax.Envelope {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]*fax.Envelope(nil), in.envs...)
}

// times returns when each callback arrived.
func (in *ingress) times() []time.Time {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]time.Time(nil), in.at...)
}

// normalizer returns a function running envelopes through faxpipe's real
// adapters for accounts.
func normalizer(t *testing.T, accounts config.Accounts) func(*fax.Envelope) (fax.Event, error) {
	t.Helper()
	adapters, err := provider.NewNormalizers(accounts, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	return func(env *fax.Envelope) (fax.Event, error) { return adapters.Normalize(providertest.Raw(env)) }
}

// newSim builds a simulator of accounts sending to target.
func newSim(t *testing.T, accounts config.Accounts, opts sim.Options) *sim.Simulator {
	t.Helper()
	s, err := sim.New(provider.Sims, accounts, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// serveAPI starts s's document API until the test ends.
func serveAPI(t *testing.T, s *sim.Simulator) {
	t.Helper()
	stop, err := s.StartAPI()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("ServeAPI: %v", err)
		}
	})
}

// eventually polls s's report until ok holds (5 s at most) and returns the
// last report.
func eventually(t *testing.T, s *sim.Simulator, ok func(*sim.Report) bool) *sim.Report {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rep := s.Report()
		if ok(rep) || time.Now().After(deadline) {
			return rep
		}
		time.Sleep(10 * time.Millisecond)
	}
}
