package sfaxsim_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax/sfaxsim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

func testAccounts() config.Accounts {
	return config.Accounts{&sfax.Account{
		AccountBase: config.AccountBase{ID: "clinic", APIBaseURL: "http://placeholder.invalid"},
		Username:    "clinic-api", APIKey: config.Literal("5787A4EDBCDE46F9D6D2E067AC7097DC"),
		EncryptionKey: config.Literal("0123456789abcdef0123456789abcdef"), InitVector: config.Literal("fedcba9876543210"),
		TokenWindow: 15 * time.Minute,
	}}
}

// ingress stands in for faxpipe's ingress: it captures each Sfax
// callback as an envelope, as the ingress does, and answers 200.
type ingress struct {
	srv  *httptest.Server
	d    *fax.Digester
	mu   sync.Mutex
	envs []*fax.Envelope
}

func newIngress(t *testing.T) *ingress {
	in := &ingress{d: providertest.Digester(t)}
	in.srv = httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		account := strings.TrimPrefix(r.URL.Path, "/callbacks/sfax/")
		env := providertest.Request{Account: account, Method: r.Method, Query: r.URL.RawQuery, Headers: r.Header}.
			Envelope(fax.Sfax, sfax.Callback, nil, in.d)
		env.ReceivedAt = time.Now().UTC()
		in.mu.Lock()
		in.envs = append(in.envs, env)
		in.mu.Unlock()
	}))
	t.Cleanup(in.srv.Close)
	return in
}

// simulator is an Sfax-only simulator sending to target, its API served
// until the test ends.
func simulator(t *testing.T, target string, opts sim.Options) *sim.Simulator {
	t.Helper()
	opts.Target, opts.APIListen, opts.RewriteAPIBaseURL = target, "127.0.0.1:0", true
	return simtest.Start(t, []sim.Provider{sfaxsim.Sim}, testAccounts(), opts, nil)
}

// sfaxAccount is s's account, its api_base_url the simulator's API.
func sfaxAccount(s *sim.Simulator) sfax.Account {
	return config.AccountsOf[sfax.Account](s.Accounts())[0]
}

// get sends GET {api}/api/ReceiveInboundFax with the credentials of acc
// (a token generated at genDT) and query, and decodes the JSON answer,
// numbers as written.
func get(t *testing.T, acc sfax.Account, genDT time.Time, apiKey, query string) (int, map[string]any) {
	t.Helper()
	tok, err := sfax.EncryptToken(sfax.Token{Username: acc.Username, APIKey: acc.APIKey.Reveal(), GenDT: genDT},
		[]byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
	if err != nil {
		t.Fatal(err)
	}
	u := acc.APIBaseURL + sfax.ListPath + "?" + url.Values{"token": {tok}, "ApiKey": {apiKey}}.Encode() + "&" + query
	resp, err := http.Get(u) //nolint:noctx // a test against a local server
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // without the URL and its credentials
		}
		t.Fatalf("GET %s: %v", sfax.ListPath, err)
	}
	defer func() { _ = resp.Body.Close() }()
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return resp.StatusCode, body
}

// TestListingRefusesUndatedCalls: the simulated listing checks
// credentials as the document API does, and refuses — and counts — any
// call without a date window, which at Sfax would move the account's
// shared watermark. (Needs only the simulator's API, not its listing.)
func TestListingRefusesUndatedCalls(t *testing.T) {
	s := simulator(t, "http://127.0.0.1:1", sim.Options{})
	acc := sfaxAccount(s)
	now, key := time.Now(), acc.APIKey.Reveal()
	dates := "StartDateUTC=2024-05-10T17:00:00Z&EndDateUTC=2024-05-10T18:00:00Z"
	tests := []struct {
		name       string
		genDT      time.Time
		apiKey     string
		query      string
		wantStatus int
		wantIn     string
	}{
		{name: "stale token", genDT: now.Add(-20 * time.Minute), apiKey: key, query: dates, wantStatus: 401},
		{name: "another API key", genDT: now, apiKey: "FFFFA4EDBCDE46F9D6D2E067AC7097DC", query: dates, wantStatus: 401},
		{name: "no dates", genDT: now, apiKey: key, query: "MaxItems=500", wantStatus: 200, wantIn: "refuses undated calls"},
		{name: "no end date", genDT: now, apiKey: key, query: "StartDateUTC=2024-05-10T17:00:00Z", wantStatus: 200, wantIn: "refuses undated calls"},
		{name: "a watermark and no dates", genDT: now, apiKey: key, query: "WatermarkId=2240510170000000001", wantStatus: 200, wantIn: "refuses undated calls"},
		{name: "a date that does not read", genDT: now, apiKey: key, query: "StartDateUTC=10/5/2024&EndDateUTC=2024-05-10T18:00:00Z", wantStatus: 200, wantIn: "YYYY-MM-DD"},
		{name: "MaxItems zero", genDT: now, apiKey: key, query: dates + "&MaxItems=0", wantStatus: 200, wantIn: "MaxItems"},
		{name: "WatermarkId not a number", genDT: now, apiKey: key, query: dates + "&WatermarkId=abc", wantStatus: 200, wantIn: "WatermarkId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := get(t, acc, tt.genDT, tt.apiKey, tt.query)
			msg, _ := body["message"].(string)
			if status != tt.wantStatus || body["isSuccess"] != false || !strings.Contains(msg, tt.wantIn) {
				t.Errorf("answer %d %v, want %d isSuccess false saying %q", status, body, tt.wantStatus, tt.wantIn)
			}
		})
	}
	docs := s.Report().Providers[string(fax.Sfax)].Documents
	if docs.Unauthorized != 2 || docs.BadRequests != 6 {
		t.Errorf("counted %d unauthorized and %d bad requests, want 2 and 6", docs.Unauthorized, docs.BadRequests)
	}
}

// TestListingPages follows the simulated listing's pages by hand:
// MaxItems a page, WatermarkId past the last one, HasMoreItems until the
// last page, every fax once, FaxId a 19-digit JSON number. (Needs the
// simulator's listing: sim.API.Received and ServeListing.)
func TestListingPages(t *testing.T) {
	in := newIngress(t)
	s := simulator(t, in.srv.URL, sim.Options{Count: 12, Kinds: []string{sim.KindFaxIn}, Seed: 9})
	start := time.Now().UTC().Truncate(time.Second)
	simtest.Run(t, s)
	acc := sfaxAccount(s)
	dates := "StartDateUTC=" + start.Format(time.RFC3339) + "&EndDateUTC=" + time.Now().UTC().Add(2*time.Second).Format(time.RFC3339)
	seen, watermark := map[string]bool{}, ""
	var sizes []int
	for range 10 {
		q := dates + "&MaxItems=5"
		if watermark != "" {
			q += "&WatermarkId=" + watermark
		}
		status, body := get(t, acc, time.Now(), acc.APIKey.Reveal(), q)
		if status != 200 || body["isSuccess"] != true {
			t.Fatalf("page: %d %v", status, body)
		}
		items, _ := body["InboundFaxItems"].([]any)
		sizes = append(sizes, len(items))
		for _, it := range items {
			id, ok := it.(map[string]any)["FaxId"].(json.Number)
			if !ok || len(id) != 19 || seen[string(id)] {
				t.Fatalf("FaxId %#v: not a new 19-digit number", it.(map[string]any)["FaxId"])
			}
			seen[string(id)] = true
		}
		watermark, _ = body["LastWatermark"].(string)
		if body["HasMoreItems"] == "false" {
			break
		}
		if body["HasMoreItems"] != "true" {
			t.Fatalf("HasMoreItems %#v", body["HasMoreItems"])
		}
	}
	if len(seen) != 12 || len(sizes) != 3 || sizes[0] != 5 || sizes[1] != 5 || sizes[2] != 2 {
		t.Errorf("pages of %v, %d faxes; want 5, 5, 2 and 12", sizes, len(seen))
	}
}

// TestFaxpipesListerFindsEveryReceivedFax runs faxpipe's own lister
// against the simulator after a run with failures and duplicates: it
// lists every received fax of the report, and each listed fax normalizes
// to the event of its callback (same id, fax id, success, pages, numbers),
// so that faxpipe's dedupe makes one event of both; faxpipe never made an
// undated call. (Needs the simulator's listing.)
func TestFaxpipesListerFindsEveryReceivedFax(t *testing.T) {
	in := newIngress(t)
	s := simulator(t, in.srv.URL, sim.Options{Count: 40, Kinds: []string{sim.KindFaxIn}, FailRate: 0.3, DuplicateRate: 0.2,
		SfaxRawTokenRate: 0.3, Seed: 11})
	before := time.Now()
	rep := simtest.Run(t, s)
	after := time.Now()

	accs := config.AccountsOf[sfax.Account](s.Accounts())
	d := in.d
	n, err := sfax.NewNormalizer(accs, d)
	if err != nil {
		t.Fatal(err)
	}
	hooks := map[string]fax.Event{}
	in.mu.Lock()
	for _, env := range in.envs {
		ev, err := n.Normalize(providertest.Raw(env))
		if err != nil {
			t.Fatalf("callback rejected: %v", err)
		}
		hooks[ev.ID()] = ev
	}
	in.mu.Unlock()

	l, err := sfax.NewLister(accs, docfetch.Options{HTTP: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]fax.Event{}
	w := listing.Window{From: before.Add(-time.Second), To: after.Add(time.Second)}
	err = l.List(context.Background(), "clinic", w, func(it listing.Item) error {
		env, err := listing.Envelope(d, fax.Sfax, "clinic", it, time.Now())
		if err != nil {
			return err
		}
		ev, err := n.Normalize(providertest.Raw(env))
		if err != nil {
			t.Fatalf("listed item %s rejected: %v", it.Body, err)
		}
		if ev.FaxID != it.FaxID || !ev.CompletedAt.Equal(it.CompletedAt) || ev.LearnedVia != fax.OriginAPI {
			t.Errorf("item says %s at %s, its event %s at %s via %s", it.FaxID, it.CompletedAt, ev.FaxID, ev.CompletedAt, ev.LearnedVia)
		}
		if _, dup := listed[ev.ID()]; dup {
			t.Errorf("fax %s listed twice", ev.FaxID)
		}
		listed[ev.ID()] = ev
		return nil
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(rep.Faxes) != 40 || len(listed) != 40 {
		t.Fatalf("%d faxes sent, %d listed; want 40 and 40", len(rep.Faxes), len(listed))
	}
	failed := 0
	for _, f := range rep.Faxes {
		ev, ok := listed[f.EventID]
		if !ok {
			t.Errorf("fax %s (event %s) not listed", f.FaxID, f.EventID)
			continue
		}
		if ev.Success != f.Success || numberOf(ev.From) != f.From || numberOf(ev.To) != f.To || *ev.Pages != f.Pages {
			t.Errorf("listed %+v, report expects %+v", ev, f)
		}
		if !f.Success {
			failed++
		}
		hook, ok := hooks[f.EventID]
		if !ok {
			t.Errorf("fax %s: no callback captured", f.FaxID)
			continue
		}
		if hook.FaxID != ev.FaxID || hook.Success != ev.Success || hook.Document != ev.Document || *hook.Pages != *ev.Pages ||
			numberOf(hook.From) != numberOf(ev.From) || numberOf(hook.To) != numberOf(ev.To) || hook.StationID != ev.StationID ||
			!hook.CompletedAt.Equal(*ev.CompletedAt) {
			t.Errorf("callback's event %+v, listing's %+v", hook, ev)
		}
	}
	if failed == 0 {
		t.Error("no failed fax: the failed case is not exercised")
	}
	early := 0
	_ = l.List(context.Background(), "clinic", listing.Window{From: before.Add(-time.Hour), To: before.Add(-time.Minute)},
		func(listing.Item) error { early++; return nil })
	if early != 0 {
		t.Errorf("%d faxes listed in a window before the run", early)
	}
	docs := s.Report().Providers[string(fax.Sfax)].Documents
	if docs.BadRequests != 0 || docs.Unauthorized != 0 {
		t.Errorf("faxpipe's lister made %d bad and %d unauthorized requests", docs.BadRequests, docs.Unauthorized)
	}
}

func numberOf(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Number
}
