package sim_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// listFax is the provider of the listing tests, played by listProvider.
const listFax fax.Provider = "listfax"

// listAccount is an account of listFax: an id, nothing else.
type listAccount struct{ config.AccountBase }

func (*listAccount) Provider() fax.Provider                { return listFax }
func (*listAccount) Secrets() map[string]config.UsedSecret { return nil }
func (*listAccount) ApplyDefaults()                        {}
func (*listAccount) Validate(*config.Checker, string)      {}

// listRecord is listProvider's own record of a received fax, its
// Webhook.Listed.
type listRecord struct{ ID string }

// listProvider receives and sends faxes; its callbacks are POSTs of
// "in:{fax id}" or "out:{fax id}". When lists is set it lists the
// received ones, at GET /listfax/{account}/faxes?from=&to= (RFC 3339);
// with listsSent, the sent ones too.
// It serves their documents at GET /listfax/{account}/faxes/{id}/document.
// No credentials anywhere; a callback is sent once, with a timeout long
// enough for a loaded test machine.
type listProvider struct {
	lists, listsSent bool

	mu  sync.Mutex
	api *sim.API
}

func (p *listProvider) Spec() sim.Spec {
	return sim.Spec{
		Name: listFax, Kinds: []string{sim.KindFaxIn, sim.KindFaxOut},
		Policy: sim.Policy{Timeout: 20 * time.Second}, Line: sim.USPhone,
	}
}

func (p *listProvider) Webhook(d *sim.Draw, _ sim.Account, kind string, failed bool, f sim.Fax) sim.Webhook {
	f.Kind, f.Channel, f.Success = "fax", string(fax.ChannelFax), !failed
	f.Direction, f.Outcome = string(fax.Outbound), sim.SentOutcome(!failed)
	body := "out:"
	if kind == sim.KindFaxIn {
		f.Direction, f.Outcome, body = string(fax.Inbound), string(fax.OutcomeReceived), "in:"
	}
	f.FaxID = d.UniqueID(&f, func() string { return sim.Digits(d.Rand, 12) })
	f.Pages = sim.DocumentPages(f)
	body += f.FaxID
	w := sim.Webhook{Fax: f, Document: kind == sim.KindFaxIn, Request: func(time.Time) (sim.Request, error) {
		return sim.Request{Method: http.MethodPost, Header: http.Header{}, Body: []byte(body)}, nil
	}}
	if p.lists && (kind == sim.KindFaxIn || p.listsSent) {
		w.Listed = listRecord{ID: f.FaxID}
	}
	return w
}

func (p *listProvider) Routes(mux *http.ServeMux, api *sim.API) {
	p.mu.Lock()
	p.api = api
	p.mu.Unlock()
	mux.HandleFunc("GET /listfax/{account}/faxes", func(w http.ResponseWriter, r *http.Request) {
		api.ServeListing(w, r, listFax, func() {
			from, errFrom := time.Parse(time.RFC3339, r.URL.Query().Get("from"))
			to, errTo := time.Parse(time.RFC3339, r.URL.Query().Get("to"))
			if err := errors.Join(errFrom, errTo); err != nil {
				sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"message": err.Error()})
				return
			}
			sim.WriteJSON(w, http.StatusOK, api.Received(listFax, r.PathValue("account"), from, to))
		})
	})
	mux.HandleFunc("GET /listfax/{account}/faxes/{id}/document", func(w http.ResponseWriter, r *http.Request) {
		api.ServeDocument(w, r, listFax, r.PathValue("account"), r.PathValue("id"), "", sim.DocumentAnswer{
			NotFound: func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) },
			Wrap:     func(_ string, doc sim.Document, body []byte) (string, []byte) { return doc.MediaType, body },
		})
	})
}

// API is the API the simulator handed to Routes.
func (p *listProvider) API() *sim.API {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.api
}

// webhooks stands in for faxpipe's ingress in the listing tests: it
// answers 200 to every callback and counts them by fax id. Its inbound,
// when set, checks each received fax's callback as it arrives.
type webhooks struct {
	srv *httptest.Server

	mu      sync.Mutex
	byID    map[string]int
	inbound func(account, faxID string)
}

func newWebhooks(t *testing.T) *webhooks {
	t.Helper()
	h := &webhooks{byID: map[string]int{}}
	h.srv = httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		kind, id, _ := strings.Cut(string(b), ":")
		h.mu.Lock()
		h.byID[id]++
		inbound := h.inbound
		h.mu.Unlock()
		if kind == "in" && inbound != nil {
			inbound(strings.TrimPrefix(r.URL.Path, "/callbacks/"+string(listFax)+"/"), id)
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// sent is how many callbacks of the fax faxID arrived.
func (h *webhooks) sent(faxID string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.byID[faxID]
}

// listAccounts are the two accounts of listFax.
var listAccounts = []string{"north", "south"}

// listSim is a simulator of p with opts, sending to a new webhooks and
// serving its API until the test ends.
func listSim(t *testing.T, p *listProvider, opts sim.Options) (*sim.Simulator, *webhooks) {
	t.Helper()
	hooks := newWebhooks(t)
	var accounts config.Accounts
	for _, id := range listAccounts {
		accounts = append(accounts, &listAccount{config.AccountBase{ID: id}})
	}
	opts.Target, opts.APIListen = hooks.srv.URL, "127.0.0.1:0"
	s, err := sim.New([]sim.Provider{p}, accounts, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	serveAPI(t, s)
	return s, hooks
}

// farFuture ends a window that takes in every fax.
var farFuture = time.Now().Add(24 * time.Hour)

// TestReceivedListsTheWindow: a provider's listing holds exactly its
// received faxes of the account and window, oldest first, each from the
// moment it is generated: before its callback arrives.
func TestReceivedListsTheWindow(t *testing.T) {
	p := &listProvider{lists: true}
	// 120 faxes at 100 a second: their completion times span at least
	// two seconds.
	s, hooks := listSim(t, p, sim.Options{Count: 120, Rate: 100, Seed: 3})
	var early sync.Map // received faxes whose callback came before their listing
	hooks.mu.Lock()
	hooks.inbound = func(account, faxID string) {
		for _, r := range p.API().Received(listFax, account, time.Time{}, farFuture) {
			if r.Fax.FaxID == faxID {
				return
			}
		}
		early.Store(faxID, true)
	}
	hooks.mu.Unlock()
	rep := simtest.Run(t, s)
	early.Range(func(id, _ any) bool { t.Errorf("fax %s: callback sent before the fax was listed", id); return true })

	var listed []sim.Fax
	for _, f := range rep.Faxes {
		if f.Listed != (f.Direction == string(fax.Inbound)) || f.Lost {
			t.Errorf("fax %s %s: listed %v, lost %v; want every received fax listed, none lost", f.FaxID, f.Direction, f.Listed, f.Lost)
		}
		if f.Listed {
			listed = append(listed, f)
		}
	}
	slices.SortStableFunc(listed, func(a, b sim.Fax) int { return a.CompletedAt.Compare(b.CompletedAt) })
	first, last := listed[0].CompletedAt, listed[len(listed)-1].CompletedAt
	if !last.After(first) {
		t.Fatalf("the received faxes all completed at %v: the windows below would not split them", first)
	}
	windows := []struct{ from, to time.Time }{
		{first, last},                      // all but those completed last: the end is exclusive
		{last, last.Add(time.Second)},      // those: the start is inclusive
		{last.Add(time.Second), farFuture}, // none
		{time.Time{}, first},               // none
	}
	api := p.API()
	total := 0
	for _, acc := range listAccounts {
		for _, w := range windows {
			var want, got []string
			for _, f := range listed {
				if f.Account == acc && !f.CompletedAt.Before(w.from) && f.CompletedAt.Before(w.to) {
					want = append(want, f.FaxID)
				}
			}
			for _, r := range api.Received(listFax, acc, w.from, w.to) {
				got = append(got, r.Fax.FaxID)
				if r.Listed != (listRecord{ID: r.Fax.FaxID}) || r.Downloaded || r.Fax.Account != acc {
					t.Errorf("%s: listed %+v, downloaded %v, account %s; want its own record, not downloaded, of %s", r.Fax.FaxID, r.Listed, r.Downloaded, r.Fax.Account, acc)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s, [%v, %v): listed %v, want %v", acc, w.from, w.to, got, want)
			}
			total += len(got)
		}
	}
	if total != len(listed) {
		t.Errorf("the windows listed %d faxes in all, want the %d received", total, len(listed))
	}
}

// TestLoseRate: LoseRate 0.3 loses about 30% of the received faxes of a
// provider that lists them — never sent, owed all the same — the same
// ones for the same seed, without changing any fax; a provider without a
// listing loses none, and no sent fax is lost, listed or not.
func TestLoseRate(t *testing.T) {
	lose := func(count int, rate float64, p *listProvider) (*sim.Report, *webhooks) {
		s, hooks := listSim(t, p, sim.Options{Count: count, Seed: 11, LoseRate: rate})
		return simtest.Run(t, s), hooks
	}
	rep, hooks := lose(400, 0.3, &listProvider{lists: true})
	var in int
	var lost []string
	for _, f := range rep.Faxes {
		inbound := f.Direction == string(fax.Inbound)
		in += b2i(inbound)
		switch {
		case f.Lost:
			lost = append(lost, f.FaxID)
			if !inbound || !f.Listed || len(f.Callbacks) != 0 || f.Acked || !f.Owed() || f.Document == nil || hooks.sent(f.FaxID) != 0 {
				t.Errorf("lost fax %s: %s, listed %v, %d callbacks (%d arrived), acked %v, owed %v, document %v; want a listed received fax, never sent, owed, with a document",
					f.FaxID, f.Direction, f.Listed, len(f.Callbacks), hooks.sent(f.FaxID), f.Acked, f.Owed(), f.Document != nil)
			}
		case len(f.Callbacks) != 1 || !f.Acked || !f.Owed() || hooks.sent(f.FaxID) != 1:
			t.Errorf("fax %s: %d callbacks (%d arrived), acked %v, owed %v; want one, acked and owed", f.FaxID, len(f.Callbacks), hooks.sent(f.FaxID), f.Acked, f.Owed())
		}
	}
	if share := float64(len(lost)) / float64(in); in < 200 || share < 0.2 || share > 0.4 {
		t.Errorf("lost %d of %d received faxes (%.2f), want about 30%% of at least 200", len(lost), in, share)
	}
	tot := rep.Total
	if tot.Lost != len(lost) || len(rep.Lost()) != len(lost) || tot.GivenUp != 0 || len(rep.GivenUp()) != 0 || tot.Callbacks != len(rep.Faxes)-len(lost) {
		t.Errorf("totals: %d lost (listed %d), %d given up (listed %d), %d callbacks; want %d lost, none given up, %d callbacks",
			tot.Lost, len(rep.Lost()), tot.GivenUp, len(rep.GivenUp()), tot.Callbacks, len(lost), len(rep.Faxes)-len(lost))
	}
	if d := tot.Documents; d.Expected != in || d.Missing != in {
		t.Errorf("documents: %d expected, %d missing; want every received fax's (%d), none fetched", d.Expected, d.Missing, in)
	}
	var summary strings.Builder
	if err := rep.WriteSummary(&summary); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*callbacks\s.*\sinterrupted\s+lost\s*$`).MatchString(summary.String()) ||
		!strings.Contains(summary.String(), "callbacks were lost, never sent") || strings.Contains(summary.String(), "listings") {
		t.Errorf("summary shows no lost column or list, or a listings table with no listing:\n%s", summary.String())
	}
	if b, err := json.Marshal(rep.Faxes[slices.IndexFunc(rep.Faxes, func(f sim.Fax) bool { return f.Lost })]); err != nil ||
		!strings.Contains(string(b), `"lost":true`) || !strings.Contains(string(b), `"listed":true`) {
		t.Errorf("a lost fax in JSON: %s (%v), want lost and listed", b, err)
	}

	// Shorter runs make the same first faxes (each fax's document is drawn
	// for the report: the runs are kept short).
	again, _ := lose(100, 0.3, &listProvider{lists: true})
	none, _ := lose(100, 0, &listProvider{lists: true})
	for i, f := range rep.Faxes[:100] {
		if a, n := again.Faxes[i], none.Faxes[i]; a.FaxID != f.FaxID || a.Lost != f.Lost || n.FaxID != f.FaxID || n.Account != f.Account || n.Kind != f.Kind || n.Direction != f.Direction || n.Lost {
			t.Fatalf("fax %d: %s lost %v; same seed: %s lost %v; no lose rate: %s %s %s lost %v; want the same faxes, the same lost",
				f.Seq, f.FaxID, f.Lost, a.FaxID, a.Lost, n.FaxID, n.Account, n.Direction, n.Lost)
		}
	}

	unlisted, hooks := lose(60, 1, &listProvider{})
	for _, f := range unlisted.Faxes {
		if f.Lost || f.Listed || hooks.sent(f.FaxID) != 1 {
			t.Fatalf("a provider without a listing, lose rate 1: fax %s lost %v, listed %v, sent %d times; want sent once", f.FaxID, f.Lost, f.Listed, hooks.sent(f.FaxID))
		}
	}
	all, hooks := lose(60, 1, &listProvider{lists: true, listsSent: true})
	for _, f := range all.Faxes {
		if inbound := f.Direction == string(fax.Inbound); !f.Listed || f.Lost != inbound || hooks.sent(f.FaxID) != b2i(!inbound) {
			t.Fatalf("a provider listing every fax, lose rate 1: %s fax %s lost %v, listed %v, sent %d times; want every received fax lost, every sent one sent",
				f.Direction, f.FaxID, f.Lost, f.Listed, hooks.sent(f.FaxID))
		}
	}
}

// listing asks s's listing of account north for every fax, on a new
// connection each time (a reused one would let the client retry a cut
// answer), and returns the answer's status, Retry-After, listed faxes
// and error.
func listing(t *testing.T, s *sim.Simulator) (status int, retryAfter string, faxes []sim.Received, err error) {
	t.Helper()
	q := url.Values{"from": {time.Time{}.Format(time.RFC3339)}, "to": {farFuture.Format(time.RFC3339)}}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, s.APIURL()+"/listfax/north/faxes?"+q.Encode(), nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode == http.StatusOK {
		err = json.Unmarshal(body, &faxes)
	} else if err == nil {
		var msg struct{ Message string }
		if json.Unmarshal(body, &msg) != nil || msg.Message == "" {
			t.Errorf("answer %d %q: want a JSON message", resp.StatusCode, body)
		}
	}
	return resp.StatusCode, resp.Header.Get("Retry-After"), faxes, err
}

// TestFailListings: during an outage every listing request fails, in
// turn a 503, a 429 with Retry-After and a hang cut short, starting with a
// 503 at each outage; outside one, once ended or over, listings are
// served.
func TestFailListings(t *testing.T) {
	p := &listProvider{lists: true}
	s, _ := listSim(t, p, sim.Options{Count: 30, Seed: 5, MaxStall: 50 * time.Millisecond, Faults: sim.Faults{RetryAfter: 2 * time.Second}})
	rep := simtest.Run(t, s)
	north := 0
	for _, f := range rep.Faxes {
		north += b2i(f.Listed && f.Account == "north")
	}
	served := func(when string) {
		t.Helper()
		status, _, faxes, err := listing(t, s)
		if err != nil || status != http.StatusOK || len(faxes) != north {
			t.Errorf("%s: status %d, %d faxes, error %v; want 200 and the %d faxes of north", when, status, len(faxes), err, north)
		}
	}
	served("before any outage")

	// A long outage, ended early, so that the cycle races no clock.
	s.FailListings(time.Minute)
	for i, want := range []string{"503", "429", "hang", "503", "429", "hang", "503"} {
		start := time.Now()
		status, retryAfter, _, err := listing(t, s)
		var got string
		switch {
		case err != nil && time.Since(start) >= 50*time.Millisecond:
			got = "hang"
		case status == http.StatusServiceUnavailable:
			got = "503"
		case status == http.StatusTooManyRequests && retryAfter == "2":
			got = "429"
		}
		if got != want {
			t.Errorf("listing %d of the outage: status %d, Retry-After %q, error %v after %v; want %s", i, status, retryAfter, err, time.Since(start), want)
		}
	}
	s.FailListings(0)
	served("after the outage ended")
	s.FailListings(time.Minute)
	if status, _, _, err := listing(t, s); status != http.StatusServiceUnavailable {
		t.Errorf("first listing of a new outage: status %d, error %v; want 503", status, err)
	}

	// A short outage replaces it (its cycle afresh), and ends by itself.
	s.FailListings(300 * time.Millisecond)
	started := time.Now()
	status, _, _, err := listing(t, s)
	faults := 8 + b2i(status != http.StatusOK)
	switch {
	case status == http.StatusServiceUnavailable:
	case time.Since(started) < 300*time.Millisecond:
		t.Errorf("first listing of a short outage: status %d, error %v; want 503", status, err)
	default: // the machine is too slow to tell: the answer came after the outage
		t.Logf("first listing of a short outage answered %d after %v", status, time.Since(started))
	}
	time.Sleep(300*time.Millisecond - time.Since(started))
	served("after the outage")

	d := s.Report().Providers[string(listFax)].Documents
	if d.Listings != 12 || d.ListingFaults != faults {
		t.Errorf("%d listings, %d failed; want 12, %d", d.Listings, d.ListingFaults, faults)
	}
	var summary strings.Builder
	if err := s.Report().WriteSummary(&summary); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^\s*listfax\s+12\s+\d\s*$`).MatchString(summary.String()) {
		t.Errorf("summary does not count the listings:\n%s", summary.String())
	}
}

// TestReceivedDownloaded: a listed fax is Downloaded once its document
// was served in full — not after a "not yet" answer — and a lost fax's
// document, fetched after reconciliation, counts as served.
func TestReceivedDownloaded(t *testing.T) {
	p := &listProvider{lists: true}
	s, _ := listSim(t, p, sim.Options{Count: 40, Kinds: []string{sim.KindFaxIn}, Seed: 9, LoseRate: 0.5, Faults: sim.Faults{NotYetAvailable: 1}})
	rep := simtest.Run(t, s)
	i := slices.IndexFunc(rep.Faxes, func(f sim.Fax) bool { return f.Lost })
	if i < 0 {
		t.Fatal("no fax lost at lose rate 0.5")
	}
	f := rep.Faxes[i]
	downloaded := func() []string {
		var out []string
		for _, acc := range listAccounts {
			for _, r := range p.API().Received(listFax, acc, time.Time{}, farFuture) {
				if r.Downloaded {
					out = append(out, r.Fax.FaxID)
				}
			}
		}
		return out
	}
	u := s.APIURL() + "/listfax/" + f.Account + "/faxes/" + f.FaxID + "/document"
	for fetch, want := range []int{http.StatusNotFound, http.StatusOK} {
		if got := downloaded(); len(got) != 0 {
			t.Fatalf("before fetch %d: downloaded %v, want none", fetch, got)
		}
		req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		sum := sha256.Sum256(body)
		if err != nil || resp.StatusCode != want || (want == http.StatusOK && hex.EncodeToString(sum[:]) != f.Document.SHA256) {
			t.Fatalf("fetch %d: status %d, error %v; want %d with the fax's document", fetch, resp.StatusCode, err, want)
		}
	}
	// The API counts the document served once its handler has written
	// it, which may be just after the client has read it all.
	got := downloaded()
	for deadline := time.Now().Add(5 * time.Second); len(got) == 0 && time.Now().Before(deadline); got = downloaded() {
		time.Sleep(5 * time.Millisecond)
	}
	if !slices.Equal(got, []string{f.FaxID}) {
		t.Errorf("downloaded %v, want only %s", got, f.FaxID)
	}
	after := s.Report()
	d := after.Total.Documents
	if after.Faxes[i].DocumentServed != 1 || d.Expected != len(after.Faxes) || d.Missing != d.Expected-1 {
		t.Errorf("served %d times; documents %d expected, %d missing; want 1, %d, %d", after.Faxes[i].DocumentServed, d.Expected, d.Missing, len(after.Faxes), len(after.Faxes)-1)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
