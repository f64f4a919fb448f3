package telnyxsim_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx/telnyxsim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// run is a simulation that has sent its faxes to a test ingress, its API
// still serving.
type run struct {
	s        *sim.Simulator
	rep      *sim.Report
	accounts []telnyx.Account // as the simulator rewrote them: api_base_url is its API
	webhooks []fax.RawMessage
	started  time.Time
}

// simulate sends count faxes of kinds from two Telnyx accounts — one
// with a key pair generated for the test, one with the demo key — to an
// ingress that answers fail(attempt) (nil: 200) to each request.
func simulate(t *testing.T, count int, fail func(n int) bool, kinds ...string) *run {
	t.Helper()
	generated, err := telnyxsim.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	accounts := config.Accounts{
		&telnyx.Account{AccountBase: config.AccountBase{ID: "acme", APIBaseURL: "http://placeholder.invalid"},
			PublicKey: generated, APIKey: config.Literal("KEY-acme"), Tolerance: telnyx.DefaultTolerance},
		&telnyx.Account{AccountBase: config.AccountBase{ID: "demo", APIBaseURL: "http://placeholder.invalid"},
			PublicKey: telnyxsim.DemoPublicKey, APIKey: config.Literal("KEY-demo"), Tolerance: telnyx.DefaultTolerance},
	}
	for _, acc := range accounts {
		acc.ApplyDefaults()
	}
	var mu sync.Mutex
	var envs []fax.RawMessage
	n := 0
	d := providertest.Digester(t)
	in := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req := providertest.Request{Account: r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:], Method: r.Method, Headers: r.Header, Body: string(body)}
		env := req.Envelope(telnyx.Name, telnyx.Callback, nil, d)
		env.ReceivedAt = time.Now().UTC()
		mu.Lock()
		defer mu.Unlock()
		envs = append(envs, providertest.Raw(env))
		n++
		if fail != nil && fail(n) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(in.Close)
	s := simtest.Start(t, []sim.Provider{telnyxsim.Sim}, accounts, sim.Options{
		Target: in.URL, APIListen: "127.0.0.1:0", RewriteAPIBaseURL: true, RetryScale: 0.0001,
		Kinds: kinds, Count: count, FailRate: 0.2, Seed: 18,
	}, nil)
	started := time.Now().UTC().Add(-time.Second)
	rep := simtest.Run(t, s)
	mu.Lock()
	defer mu.Unlock()
	return &run{s: s, rep: rep, accounts: config.AccountsOf[telnyx.Account](s.Accounts()), webhooks: envs, started: started}
}

func normalizer(t *testing.T, accounts []telnyx.Account) fax.Normalizer {
	t.Helper()
	n, err := telnyx.NewNormalizer(accounts, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// opts are the options of faxpipe's clients in these tests.
func opts() docfetch.Options { return docfetch.Options{HTTP: &http.Client{Timeout: 10 * time.Second}} }

// TestWebhooksVerifyAndNormalize: every webhook the simulator sends,
// signed with a generated key or the demo key, verifies with faxpipe's
// adapter and makes the event the report announces; a retry is signed
// afresh and verifies at its own receipt, with the same body.
func TestWebhooksVerifyAndNormalize(t *testing.T) {
	r := simulate(t, 30, func(n int) bool { return n%3 == 1 })
	a := normalizer(t, r.accounts)
	byEvent := map[string][]fax.RawMessage{}
	for _, rm := range r.webhooks {
		if err := a.(fax.Verifier).Verify(rm); err != nil {
			t.Fatalf("Verify: %v", err)
		}
		ev, err := a.Normalize(rm)
		if err != nil {
			t.Fatalf("Normalize: %v", err)
		}
		byEvent[ev.ID()] = append(byEvent[ev.ID()], rm)
	}
	retried, accounts := 0, map[string]bool{}
	for _, f := range r.rep.Faxes {
		got, attempts := byEvent[f.EventID], 0
		for _, c := range f.Callbacks {
			attempts += c.Attempts
		}
		if len(got) != attempts || len(got) == 0 {
			t.Errorf("fax %s: %d webhooks make its event, report says %d attempts", f.FaxID, len(got), attempts)
			continue
		}
		accounts[f.Account] = true
		for _, rm := range got[1:] {
			retried++
			if string(rm.Envelope.Body) != string(got[0].Envelope.Body) {
				t.Errorf("fax %s: a retry has other bytes", f.FaxID)
			}
		}
	}
	if retried == 0 || len(accounts) != 2 {
		t.Errorf("%d retries, accounts %v: the run did not exercise retries and both keys", retried, accounts)
	}
}

// TestUnknownKeyIsNotSent: an account whose public key the simulator has
// no private key for sends nothing, and the report says so.
func TestUnknownKeyIsNotSent(t *testing.T) {
	acc := &telnyx.Account{AccountBase: config.AccountBase{ID: "acme", APIBaseURL: "http://127.0.0.1:1"},
		PublicKey: "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", APIKey: config.Literal("k")}
	s, err := sim.New([]sim.Provider{telnyxsim.Sim}, config.Accounts{acc}, sim.Options{Target: "http://127.0.0.1:1", Count: 2, Seed: 3, RetryScale: 0.0001}, nil)
	if err != nil {
		t.Fatal(err)
	}
	rep := simtest.Run(t, s)
	if rep.Total.Acked != 0 {
		t.Errorf("acked %d: want nothing sent without the private key", rep.Total.Acked)
	}
	given := 0
	for _, f := range rep.Faxes {
		for _, c := range f.Callbacks {
			given++
			if !c.GaveUp || !strings.Contains(c.Error, "no private key") {
				t.Errorf("fax %s callback %+v: want it given up for want of the private key", f.FaxID, c)
			}
		}
	}
	if given != len(rep.Faxes) || given == 0 {
		t.Errorf("%d callbacks given up for %d faxes", given, len(rep.Faxes))
	}
}

// received are the events of r's received faxes with a document.
func received(t *testing.T, r *run) []fax.Event {
	t.Helper()
	a := normalizer(t, r.accounts)
	seen := map[string]bool{}
	var out []fax.Event
	for _, rm := range r.webhooks {
		ev, err := a.Normalize(rm)
		if err != nil {
			t.Fatal(err)
		}
		if ev.Document && !seen[ev.ID()] {
			seen[ev.ID()] = true
			out = append(out, ev)
		}
	}
	if len(out) == 0 {
		t.Fatal("no received fax")
	}
	return out
}

func fetch(ctx context.Context, c docfetch.Client, ev fax.Event) ([]byte, error) {
	body, err := c.Fetch(ctx, docfetch.Request{Event: ev, Format: docfetch.PDF})
	if err != nil {
		return nil, err
	}
	defer func() { _ = body.Close() }()
	return io.ReadAll(body)
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// expected is the document r's report announces for ev.
func expected(t *testing.T, r *run, ev fax.Event) string {
	for _, f := range r.rep.Faxes {
		if f.EventID == ev.ID() && f.Document != nil {
			return f.Document.SHA256
		}
	}
	t.Fatalf("no document announced for %s", ev.FaxID)
	return ""
}

// TestDocumentsFromMediaLinks: faxpipe's document client fetches each
// received fax through its webhook's media link, without the API key —
// and, once the link has expired, through a fresh one from GET
// /v2/faxes/{id}: the document the report announces either way.
func TestDocumentsFromMediaLinks(t *testing.T) {
	r := simulate(t, 12, nil, sim.KindFaxIn)
	c, err := telnyx.NewDocumentClient(r.accounts, opts())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	byID := map[string]telnyx.Account{}
	for _, acc := range r.accounts {
		byID[acc.ID] = acc
	}
	totals := func() sim.DocumentTotals { return r.s.Report().Providers[string(telnyx.Name)].Documents }
	for _, ev := range received(t, r) {
		before := totals()
		body, err := fetch(ctx, c, ev)
		if err != nil || sha(body) != expected(t, r, ev) {
			t.Fatalf("fax %s through its link: %v (sha %s)", ev.FaxID, err, sha(body))
		}
		acc := byID[ev.Account]
		stale, _ := json.Marshal(telnyxsim.MediaURL(&acc, ev.FaxID, time.Now().Add(-time.Minute)))
		ev.ProviderFields["media_url"] = stale
		body, err = fetch(ctx, c, ev)
		if err != nil || sha(body) != expected(t, r, ev) {
			t.Fatalf("fax %s through an expired link: %v", ev.FaxID, err)
		}
		// The API counts a document served once it is written: wait for it.
		after := totals()
		for deadline := time.Now().Add(2 * time.Second); after.Served < before.Served+2 && time.Now().Before(deadline); after = totals() {
			time.Sleep(10 * time.Millisecond)
		}
		if after.Unauthorized != before.Unauthorized+1 || after.Served != before.Served+2 {
			t.Errorf("link, then expired link: refused %d→%d, served %d→%d; want one refusal and two documents served",
				before.Unauthorized, after.Unauthorized, before.Served, after.Served)
		}
	}
}

// TestForgedMediaLinkIsNotFetched: a media link naming another host is
// never fetched; the client asks the API for the fax's own instead.
func TestForgedMediaLinkIsNotFetched(t *testing.T) {
	r := simulate(t, 4, nil, sim.KindFaxIn)
	var hits int
	evil := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits++ }))
	defer evil.Close()
	c, err := telnyx.NewDocumentClient(r.accounts, opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range received(t, r) {
		ev.ProviderFields["media_url"], _ = json.Marshal(evil.URL + "/f.pdf")
		body, err := fetch(context.Background(), c, ev)
		if err != nil || sha(body) != expected(t, r, ev) {
			t.Errorf("fax %s: %v", ev.FaxID, err)
		}
	}
	if hits != 0 {
		t.Errorf("the forged media host got %d requests", hits)
	}
}

// TestFreshLinkElsewhereIsRefused: a fresh link from the API that names
// an untrusted host is untrusted_resource_url, not fetched.
func TestFreshLinkElsewhereIsRefused(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"data":{"id":"f1","status":"received","media_url":"https://evil.example/f.pdf"}}`)
	}))
	defer api.Close()
	acc := telnyx.Account{AccountBase: config.AccountBase{ID: "acme", APIBaseURL: api.URL}, APIKey: config.Literal("k")}
	acc.ApplyDefaults()
	c, err := telnyx.NewDocumentClient([]telnyx.Account{acc}, opts())
	if err != nil {
		t.Fatal(err)
	}
	_, err = fetch(context.Background(), c, fax.Event{Provider: telnyx.Name, Account: "acme", FaxID: "f1"})
	if !errors.Is(err, fax.ReasonUntrustedResourceURL) {
		t.Errorf("Fetch = %v, want untrusted_resource_url", err)
	}
}

// TestListerFindsReceivedFaxes: the lister finds every received fax of
// each account in the run's window, each giving its webhook's event.
func TestListerFindsReceivedFaxes(t *testing.T) {
	r := simulate(t, 20, nil)
	l, err := telnyx.NewLister(r.accounts, opts())
	if err != nil {
		t.Fatal(err)
	}
	a := normalizer(t, r.accounts)
	want := map[string]bool{}
	for _, f := range r.rep.Faxes {
		if f.Listed {
			want[f.EventID] = true
		}
	}
	got := map[string]bool{}
	w := listing.Window{From: r.started, To: time.Now().Add(time.Second)}
	for _, acc := range r.accounts {
		err := l.List(context.Background(), acc.ID, w, func(it listing.Item) error {
			env, err := listing.Envelope(providertest.Digester(t), telnyx.Name, acc.ID, it, time.Now())
			if err != nil {
				return err
			}
			ev, err := a.Normalize(providertest.Raw(env))
			if err != nil {
				return err
			}
			if it.FaxID != ev.FaxID || it.CompletedAt.IsZero() {
				t.Errorf("item fax id %q completed %s, event %q", it.FaxID, it.CompletedAt, ev.FaxID)
			}
			got[ev.ID()] = true
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("listed %d faxes, the report lists %d", len(got), len(want))
	}
	for id := range want {
		if !got[id] {
			t.Errorf("event %s not listed", id)
		}
	}
}

// TestCredentialCheck: the simulator takes the account's API key and
// refuses a wrong one with a 401, which the check calls unauthorized.
func TestCredentialCheck(t *testing.T) {
	r := simulate(t, 1, nil, sim.KindFaxOut)
	good, err := telnyx.NewCredentialChecker(r.accounts, opts())
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range r.accounts {
		if err := good.CheckCredentials(context.Background(), acc.ID); err != nil {
			t.Errorf("%s with its key: %v", acc.ID, err)
		}
	}
	wrong := append([]telnyx.Account(nil), r.accounts...)
	wrong[0].APIKey = config.Literal("KEY-wrong-and-secret")
	bad, err := telnyx.NewCredentialChecker(wrong, opts())
	if err != nil {
		t.Fatal(err)
	}
	err = bad.CheckCredentials(context.Background(), wrong[0].ID)
	if !errors.Is(err, telnyx.ErrUnauthorized) || !strings.Contains(err.Error(), "unauthorized") || strings.Contains(err.Error(), "KEY-wrong-and-secret") {
		t.Errorf("wrong key: %v, want unauthorized, without the key", err)
	}
	if err := bad.CheckCredentials(context.Background(), "nobody"); !errors.Is(err, docfetch.ErrUnknownAccount) {
		t.Errorf("unknown account: %v", err)
	}
	l, _ := telnyx.NewLister(wrong, opts())
	var se *docfetch.StatusError
	if err := l.List(context.Background(), wrong[0].ID, listing.Window{From: r.started, To: time.Now()}, func(listing.Item) error { return nil }); !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Errorf("listing with a wrong key: %v, want a 401", err)
	}
}
