package efaxsim

// These tests run the simulator's listing route, so they need the
// simulator core's API.Received and API.ServeListing.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// run is a simulation that has sent its faxes to a test ingress, its API
// still serving.
type run struct {
	s        *sim.Simulator
	rep      *sim.Report
	acc      efax.Account // as the simulator rewrote it: api_base_url is its API
	webhooks []fax.RawMessage
	started  time.Time
}

// simulate sends count faxes of kinds from one eFax account, whose app id
// is the test's own (so no token cached by an earlier test is met).
func simulate(t *testing.T, count int, kinds ...string) *run {
	t.Helper()
	return simulateAt(t, count, 0, kinds...)
}

// simulateAt is simulate at rate faxes a second (0: as fast as it can).
func simulateAt(t *testing.T, count int, rate float64, kinds ...string) *run {
	t.Helper()
	acc := &efax.Account{
		AccountBase: config.AccountBase{ID: "acme", APIBaseURL: "http://placeholder.invalid"},
		AppID:       fmt.Sprintf("app-%s-%d", t.Name(), time.Now().UnixNano()),
		APIKey:      config.Literal("efax-api-key/+="), HMACSecret: config.Literal("efax-hmac-secret"),
	}
	var mu sync.Mutex
	var reqs []providertest.Request
	in := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		reqs = append(reqs, providertest.Request{Account: acc.ID, Method: r.Method, Query: r.URL.RawQuery, Headers: r.Header, Body: string(body)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"SUCCESS"}`)
	}))
	t.Cleanup(in.Close)
	s := simtest.Start(t, []sim.Provider{Sim}, config.Accounts{acc}, sim.Options{
		Target: in.URL, APIListen: "127.0.0.1:0", RewriteAPIBaseURL: true,
		Kinds: kinds, Count: count, Rate: rate, FailRate: -1, Seed: 11,
	}, nil)
	started := time.Now().UTC().Truncate(time.Second)
	rep := simtest.Run(t, s)
	out := &run{s: s, rep: rep, acc: config.AccountsOf[efax.Account](s.Accounts())[0], started: started}
	d := providertest.Digester(t)
	for _, r := range reqs {
		out.webhooks = append(out.webhooks, providertest.Raw(r.Envelope(fax.EFax, efax.Callback, nil, d)))
	}
	return out
}

// window covers the run.
func (r *run) window() listing.Window {
	return listing.Window{From: r.started.Add(-time.Minute), To: time.Now().Add(time.Minute)}
}

// list lists the run's account, as user_ids, with faxpipe's own lister.
func (r *run) list(t *testing.T, userIDs ...string) []listing.Item {
	t.Helper()
	acc := r.acc
	acc.UserIDs = userIDs
	l, err := efax.NewLister([]efax.Account{acc}, docfetch.Options{HTTP: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	var items []listing.Item
	err = l.List(context.Background(), acc.ID, r.window(), func(it listing.Item) error {
		items = append(items, it)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// received are the fax ids of the run's received faxes.
func (r *run) received() []string {
	var out []string
	for _, f := range r.rep.Faxes {
		if f.Kind == "fax" && f.Direction == string(fax.Inbound) {
			out = append(out, f.FaxID)
		}
	}
	return out
}

func ids(items []listing.Item) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.FaxID)
	}
	return out
}

// TestListingGivesTheWebhooksEvents: faxpipe's lister, against the
// simulator, finds every received fax (more than a page holds: the window
// is split) and nothing else; each item, through faxpipe's adapter, is the
// event of the fax's webhook and of the report.
func TestListingGivesTheWebhooksEvents(t *testing.T) {
	// More received faxes than a page holds, spread over seconds (the
	// lister splits a full window down to one second, no further).
	r := simulateAt(t, 240, 100, sim.KindFaxIn, sim.KindFaxOut, sim.KindPing)
	want := r.received()
	if len(want) <= pageSize {
		t.Fatalf("only %d received faxes: the listing has one page", len(want))
	}
	items := r.list(t)
	if got := ids(items); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Fatalf("listed %d faxes, want the %d received", len(got), len(want))
	}
	d := providertest.Digester(t)
	n, err := efax.NewNormalizer([]efax.Account{r.acc}, d)
	if err != nil {
		t.Fatal(err)
	}
	hooks := map[string]fax.Event{}
	for _, raw := range r.webhooks {
		ev, err := n.Normalize(raw)
		if err != nil {
			t.Fatal(err)
		}
		hooks[ev.ID()] = ev
	}
	expected := map[string]sim.Fax{}
	for _, f := range r.rep.Faxes {
		expected[f.FaxID] = f
	}
	for _, it := range items {
		env, err := listing.Envelope(d, fax.EFax, r.acc.ID, it, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ev, err := n.Normalize(providertest.Raw(env))
		if err != nil {
			t.Fatalf("%s: %v", it.Body, err)
		}
		hook, f := hooks[ev.ID()], expected[it.FaxID]
		if ev.ID() != f.EventID || hook.FaxID != ev.FaxID || *hook.Pages != *ev.Pages || hook.From.Number != ev.From.Number ||
			hook.To.Number != ev.To.Number || string(hook.ProviderFields["user_id"]) != string(ev.ProviderFields["user_id"]) {
			t.Fatalf("listed %+v\nwebhook's %+v\nreport's %+v", ev, hook, f)
		}
	}
}

// TestListingByUser: listed as each of the app's users, the account's
// faxes are shared out among them, each item naming its user.
func TestListingByUser(t *testing.T) {
	r := simulate(t, 30, sim.KindFaxIn)
	users := accountUsers(r.acc.ID)
	items := r.list(t, users...)
	if got := ids(items); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(r.received()))) {
		t.Fatalf("listed %v, want %v", got, r.received())
	}
	seen := map[string]int{}
	for _, it := range items {
		var l listed
		if err := json.Unmarshal(it.Body, &l); err != nil {
			t.Fatal(err)
		}
		if h := it.Header["User-Id"]; len(h) != 1 || h[0] != l.UserID {
			t.Errorf("fax %s of user %s listed as %v", it.FaxID, l.UserID, h)
		}
		seen[l.UserID]++
	}
	if len(seen) < 2 {
		t.Errorf("faxes by user %v: want them spread over the users", seen)
	}
	if items := r.list(t, "nobody"); len(items) != 0 {
		t.Errorf("a user with no fax: listed %v", ids(items))
	}
}

// TestListingHidesDownloadedFaxes: once its image is served, a fax is no
// longer among those not downloaded, and is among those downloaded.
func TestListingHidesDownloadedFaxes(t *testing.T) {
	r := simulate(t, 5, sim.KindFaxIn)
	n, err := efax.NewNormalizer([]efax.Account{r.acc}, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := n.Normalize(r.webhooks[0])
	if err != nil {
		t.Fatal(err)
	}
	docs, err := efax.NewDocumentClient([]efax.Account{r.acc}, docfetch.Options{HTTP: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	body, err := docs.Fetch(context.Background(), docfetch.Request{Event: ev, Format: docfetch.PDF})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, body)
	_ = body.Close()
	deadline := time.Now().Add(5 * time.Second) // the API counts a document once written
	for slices.Contains(ids(r.list(t)), ev.FaxID) {
		if time.Now().After(deadline) {
			t.Fatalf("fax %s still listed as not downloaded", ev.FaxID)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := len(r.list(t)); got != len(r.received())-1 {
		t.Errorf("%d faxes not downloaded, want %d", got, len(r.received())-1)
	}
	if rep := r.s.Report(); rep.Total.Documents.Tokens != 1 || rep.Total.Documents.Unauthorized != 0 {
		t.Errorf("%d tokens issued to the lister and the document client, %d refused; want 1, none",
			rep.Total.Documents.Tokens, rep.Total.Documents.Unauthorized)
	}
	ans := r.get(t, r.token(t), "image_downloaded=true", nil)
	if len(ans.Faxes) != 1 || ans.Faxes[0].FaxID != ev.FaxID || !ans.Faxes[0].ImageDownloaded {
		t.Errorf("downloaded faxes %+v, want %s only", ans.Faxes, ev.FaxID)
	}
}

// TestListingRequests: the route's credentials, query, paging and answer.
func TestListingRequests(t *testing.T) {
	r := simulate(t, 12, sim.KindFaxIn)
	tok := r.token(t)
	all := r.get(t, tok, "", nil)
	if len(all.Faxes) != len(r.received()) || all.FirstRecord != 1 || all.LastRecord != len(all.Faxes) {
		t.Fatalf("answer %d faxes, records %d-%d; want %d from 1", len(all.Faxes), all.FirstRecord, all.LastRecord, len(r.received()))
	}
	for i := 1; i < len(all.Faxes); i++ {
		if all.Faxes[i].CompletedTimestamp < all.Faxes[i-1].CompletedTimestamp {
			t.Errorf("fax %d completed before fax %d: not oldest first", i, i-1)
		}
	}
	page := r.get(t, tok, "", http.Header{"Pagination-Offset": {"5"}, "Pagination-Limit": {"4"}})
	if !slices.Equal(page.Faxes, all.Faxes[5:9]) || page.FirstRecord != 6 || page.LastRecord != 9 {
		t.Errorf("page at 5 of 4: %+v, records %d-%d", page.Faxes, page.FirstRecord, page.LastRecord)
	}
	if past := r.get(t, tok, "", http.Header{"Pagination-Offset": {"1000"}}); len(past.Faxes) != 0 || past.FirstRecord != 0 {
		t.Errorf("page past the end: %+v", past)
	}
	if capped := r.get(t, tok, "", http.Header{"Pagination-Limit": {"5000"}}); len(capped.Faxes) != len(all.Faxes) {
		t.Errorf("limit 5000: %d faxes", len(capped.Faxes))
	}
	last, _ := time.Parse(time.RFC3339, all.Faxes[len(all.Faxes)-1].CompletedTimestamp)
	q := "min_completed_timestamp=" + url.QueryEscape(last.Format(time.RFC3339))
	for _, f := range r.get(t, tok, q, nil).Faxes {
		if f.CompletedTimestamp != all.Faxes[len(all.Faxes)-1].CompletedTimestamp {
			t.Errorf("from %s: listed a fax of %s", last, f.CompletedTimestamp)
		}
	}
	if got := r.get(t, tok, "max_completed_timestamp="+url.QueryEscape(r.started.Add(-time.Second).Format(time.RFC3339)), nil); len(got.Faxes) != 0 {
		t.Errorf("before the run: %d faxes", len(got.Faxes))
	}

	before := r.s.Report().Providers["efax"].Documents
	for name, tt := range map[string]struct {
		tok, query string
		header     http.Header
		want       int
	}{
		"no token":          {"", "", nil, http.StatusUnauthorized},
		"stale token":       {"0123", "", nil, http.StatusUnauthorized},
		"bad time":          {tok, "min_completed_timestamp=yesterday", nil, http.StatusBadRequest},
		"bad downloaded":    {tok, "image_downloaded=maybe", nil, http.StatusBadRequest},
		"bad offset":        {tok, "", http.Header{"Pagination-Offset": {"-1"}}, http.StatusBadRequest},
		"zero limit":        {tok, "", http.Header{"Pagination-Limit": {"0"}}, http.StatusBadRequest},
		"huge offset":       {tok, "", http.Header{"Pagination-Offset": {strconv.Itoa(int(^uint(0) >> 1))}}, http.StatusOK},
		"case of the query": {tok, "image_downloaded=FALSE", nil, http.StatusOK},
	} {
		if got := r.status(t, tt.tok, tt.query, tt.header); got != tt.want {
			t.Errorf("%s: %d, want %d", name, got, tt.want)
		}
	}
	after := r.s.Report().Providers["efax"].Documents
	if after.Unauthorized != before.Unauthorized+2 || after.BadRequests != before.BadRequests+4 {
		t.Errorf("unauthorized %d→%d, bad requests %d→%d; want +2 and +4", before.Unauthorized, after.Unauthorized, before.BadRequests, after.BadRequests)
	}
}

// token gets a token of the run's app, as eFax's clients do.
func (r *run) token(t *testing.T) string {
	t.Helper()
	form := strings.NewReader("grant_type=client_credentials")
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, r.acc.APIBaseURL+"/tokens", form)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(r.acc.AppID, r.acc.APIKey.Reveal())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %d %v", resp.StatusCode, err)
	}
	return tok.AccessToken
}

// do sends a listing request with tok, query and header.
func (r *run) do(t *testing.T, tok, query string, header http.Header) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, r.acc.APIBaseURL+listPath+"?"+query, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// status is the status of a listing request.
func (r *run) status(t *testing.T, tok, query string, header http.Header) int {
	t.Helper()
	resp := r.do(t, tok, query, header)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// get is the answer of a listing request, which must be a 200.
func (r *run) get(t *testing.T, tok, query string, header http.Header) listAnswer {
	t.Helper()
	resp := r.do(t, tok, query, header)
	defer func() { _ = resp.Body.Close() }()
	var ans listAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("listing %s: %d %v", query, resp.StatusCode, err)
	}
	return ans
}
