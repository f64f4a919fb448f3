package efax

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
)

const (
	listApp = "list-app"
	listKey = "list-api-key/+="
)

// listAPI is eFax's API as these tests need it: tokens t1, t2, … (only the
// latest valid), images, and the listing of received faxes, which it cuts
// from faxes by the query's completed_timestamp bounds (both inclusive, the
// worst case for the lister: a fax on a split is listed by both halves) and
// by the paging headers. It records each listing request.
type listAPI struct {
	tokens, images atomic.Int64
	// unfiltered lists every fax whatever the query: eFax filtering by
	// another timestamp than the one the faxes show.
	unfiltered bool
	// answer, when set, answers every listing request instead.
	answer func(w http.ResponseWriter, r *http.Request)
	// fullPages answers every page with pageSize faxes.
	fullPages bool

	mu sync.Mutex
	// faxes are the JSON objects not yet downloaded for each user id (""
	// without the header), oldest first; download removes one.
	faxes    map[string][]string
	requests []listRequest
}

// issued is the n-th token listAPI issues.
func issued(n int64) string { return fmt.Sprintf("tok%d-secret", n) }

// listRequest is one listing request as the server saw it, and how many
// faxes it answered.
type listRequest struct {
	Query, User, Offset, Limit, Auth string
	Answered                         int
}

func (f *listAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/tokens":
		u, p, _ := r.BasicAuth()
		u, _ = url.QueryUnescape(u) // form-encoded, as RFC 6749 §2.3.1 wants
		p, _ = url.QueryUnescape(p)
		if u != listApp || p != listKey || r.FormValue("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":%q,"expires_in":86400}`, issued(f.tokens.Add(1)))
	case r.Header.Get("Authorization") != "Bearer "+issued(f.tokens.Load()):
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_token"}`)
	case r.URL.Path == listPath:
		f.list(w, r)
	default:
		f.images.Add(1)
		_, _ = io.WriteString(w, `{"fax_id":"f1","file_name":"f1.pdf","image":"JVBERi0xLjQ="}`)
	}
}

func (f *listAPI) list(w http.ResponseWriter, r *http.Request) {
	req := listRequest{
		Query: r.URL.RawQuery, User: strings.Join(r.Header.Values("user-id"), ","), Auth: r.Header.Get("Authorization"),
		Offset: r.Header.Get("pagination-offset"), Limit: r.Header.Get("pagination-limit"),
	}
	if f.answer != nil {
		f.record(req)
		f.answer(w, r)
		return
	}
	var page []string
	if f.fullPages {
		page = make([]string, pageSize)
		for i := range page {
			page[i] = `{"fax_id":"x","completed_timestamp":"1999-01-01T00:00:00Z"}`
		}
	} else {
		from, _ := time.Parse(time.RFC3339, r.URL.Query().Get("min_completed_timestamp"))
		to, _ := time.Parse(time.RFC3339, r.URL.Query().Get("max_completed_timestamp"))
		var all []string
		f.mu.Lock()
		for _, fx := range f.faxes[req.User] {
			if at, ok := completedAt(fx); f.unfiltered || !ok || (!at.Before(from) && !at.After(to)) {
				all = append(all, fx)
			}
		}
		f.mu.Unlock()
		off, _ := strconv.Atoi(req.Offset)
		limit, _ := strconv.Atoi(req.Limit)
		page = all[min(off, len(all)):min(off+limit, len(all))]
	}
	req.Answered = len(page)
	f.record(req)
	w.Header().Set("Content-Type", "application/json")
	_, _ = fmt.Fprintf(w, `{"first_record":%s,"last_record":%d,"faxes":[%s]}`, req.Offset, len(page), strings.Join(page, ","))
}

// completedAt is the completed_timestamp of fax, if it has one.
func completedAt(fax string) (time.Time, bool) {
	var v struct {
		CompletedTimestamp string `json:"completed_timestamp"`
	}
	if json.Unmarshal([]byte(fax), &v) != nil {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v.CompletedTimestamp)
	return t, err == nil
}

func (f *listAPI) record(req listRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
}

// download marks the fax of user whose body is fax downloaded: it is no
// longer listed.
func (f *listAPI) download(user, fax string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faxes[user] = slices.DeleteFunc(f.faxes[user], func(s string) bool { return s == fax })
}

// listed returns the requests so far.
func (f *listAPI) listed() []listRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]listRequest(nil), f.requests...)
}

// listAccount is the account "demo" of api at srv, listing users.
func listAccount(t *testing.T, srv *httptest.Server, users ...string) Account {
	a := Account{
		AccountBase: config.AccountBase{ID: "demo", APIBaseURL: srv.URL}, AppID: listApp, APIKey: config.Literal(listKey), UserIDs: users,
	}
	forgetTokenCache(t, a)
	return a
}

// forgetTokenCache drops a's token cache from the registry when the test
// ends, so that a later test's server at the same address (the port
// reused) does not meet a stale token.
func forgetTokenCache(t *testing.T, a Account) {
	t.Cleanup(func() {
		tokenCaches.Lock()
		defer tokenCaches.Unlock()
		delete(tokenCaches.m, keyOf(credentials(a)))
	})
}

func newListServer(t *testing.T, api *listAPI) *httptest.Server {
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv
}

func newLister(t *testing.T, srv *httptest.Server, accounts ...Account) listing.Lister {
	t.Helper()
	l, err := NewLister(accounts, docfetch.Options{HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// window is the hour from 17:00 UTC on 10 May 2024.
var window = listing.Window{From: time.Date(2024, 5, 10, 17, 0, 0, 0, time.UTC), To: time.Date(2024, 5, 10, 18, 0, 0, 0, time.UTC)}

const windowQuery = "image_downloaded=false&min_completed_timestamp=2024-05-10T17%3A00%3A00Z&max_completed_timestamp=2024-05-10T18%3A00%3A00Z"

// listAll lists account in w and returns the items.
func listAll(l listing.Lister, account string, w listing.Window) ([]listing.Item, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var items []listing.Item
	err := l.List(ctx, account, w, func(it listing.Item) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

// faxesIn makes n listed faxes completed a second apart from the window's
// start.
func faxesIn(n int) []string {
	out := make([]string, n)
	for i := range out {
		at := window.From.Add(time.Duration(i) * time.Second).Format(time.RFC3339)
		out[i] = fmt.Sprintf(`{"fax_id":"f%d","pages":1,"completed_timestamp":%q,"originating_fax_number":"13235555555"}`, i, at)
	}
	return out
}

// TestListOnePage: a window with fewer than 100 faxes is one request, at
// offset 0 of 100; every item as listed, byte-exact, with that request.
func TestListOnePage(t *testing.T) {
	for _, n := range []int{0, 1, 99} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			api := &listAPI{faxes: map[string][]string{"": faxesIn(n)}}
			srv := newListServer(t, api)
			items, err := listAll(newLister(t, srv, listAccount(t, srv)), "demo", window)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != n {
				t.Fatalf("%d items, want %d", len(items), n)
			}
			for i, it := range items {
				want := listing.Item{
					FaxID: fmt.Sprintf("f%d", i), CompletedAt: window.From.Add(time.Duration(i) * time.Second),
					Method: "GET", Path: "/faxes/received", Query: windowQuery, Body: []byte(api.faxes[""][i]),
				}
				if it.FaxID != want.FaxID || !it.CompletedAt.Equal(want.CompletedAt) || it.Method != want.Method ||
					it.Path != want.Path || it.Query != want.Query || it.Header != nil || string(it.Body) != string(want.Body) {
					t.Fatalf("item %d = %+v\nwant %+v", i, it, want)
				}
			}
			want := listRequest{Query: windowQuery, Offset: "0", Limit: "100", Auth: "Bearer " + issued(1), Answered: n}
			if reqs := api.listed(); len(reqs) != 1 || reqs[0] != want {
				t.Errorf("requests %+v, want one: %+v", reqs, want)
			}
		})
	}
}

// queryOf is the listing query of [from, to].
func queryOf(from, to time.Time) string {
	return "image_downloaded=false&min_completed_timestamp=" + url.QueryEscape(from.UTC().Format(time.RFC3339)) +
		"&max_completed_timestamp=" + url.QueryEscape(to.UTC().Format(time.RFC3339))
}

// checkSplits checks that reqs list w (whole seconds) as the lister must:
// a request for the window, at offset 0 of 100; after a full answer, the
// window's two halves, split at a whole second in its middle, the first
// half first, recursively. The windows of the answers that were not full
// therefore tile w.
func checkSplits(t *testing.T, reqs []listRequest, w listing.Window) {
	t.Helper()
	i := 0
	var walk func(from, to time.Time) bool
	walk = func(from, to time.Time) bool {
		if i >= len(reqs) {
			t.Errorf("no request for %s to %s", from, to)
			return false
		}
		r := reqs[i]
		i++
		if r.Offset != "0" || r.Limit != "100" {
			t.Errorf("request %d: offset %q, limit %q; want 0 and 100", i-1, r.Offset, r.Limit)
		}
		if want := queryOf(from, to); r.Query != want {
			t.Errorf("request %d: %s, want %s", i-1, r.Query, want)
			return false
		}
		if r.Answered < pageSize {
			return true
		}
		mid := from.Add(to.Sub(from) / 2).Truncate(time.Second)
		return walk(from, mid) && walk(mid, to)
	}
	if walk(w.From, w.To) && i != len(reqs) {
		t.Errorf("%d requests, want %d: %+v", len(reqs), i, reqs[i:])
	}
}

// TestListSplitsFullWindow: a full answer (100 faxes) is discarded and
// the two halves of the window are listed instead, each from offset 0.
func TestListSplitsFullWindow(t *testing.T) {
	var faxes []string
	for i := range 100 { // every 36 s: 50 in each half, f50 at 17:30:00 on the split
		at := window.From.Add(time.Duration(i) * 36 * time.Second).Format(time.RFC3339)
		faxes = append(faxes, fmt.Sprintf(`{"fax_id":"f%d","completed_timestamp":%q}`, i, at))
	}
	api := &listAPI{faxes: map[string][]string{"": faxes}}
	srv := newListServer(t, api)
	items, err := listAll(newLister(t, srv, listAccount(t, srv)), "demo", window)
	if err != nil {
		t.Fatal(err)
	}
	mid := window.From.Add(30 * time.Minute)
	reqs := api.listed()
	var queries []string
	for _, r := range reqs {
		queries = append(queries, r.Query)
		if r.Offset != "0" || r.Limit != "100" {
			t.Errorf("request %+v: want offset 0, limit 100", r)
		}
	}
	if want := []string{windowQuery, queryOf(window.From, mid), queryOf(mid, window.To)}; !slices.Equal(queries, want) {
		t.Fatalf("requests %q, want %q", queries, want)
	}
	checkSplits(t, reqs, window)
	seen := map[string]int{}
	for _, it := range items {
		seen[it.FaxID]++
		first, second := it.Query == queryOf(window.From, mid), it.Query == queryOf(mid, window.To)
		if !first && !second || first && it.CompletedAt.After(mid) || second && it.CompletedAt.Before(mid) {
			t.Errorf("%s completed at %s listed by %s", it.FaxID, it.CompletedAt, it.Query)
		}
	}
	// 101: f50, on the split, is listed by both halves (the server's bounds
	// are inclusive); nothing of the full answer is yielded.
	if len(seen) != 100 || len(items) != 101 || seen["f50"] != 2 {
		t.Errorf("%d items of %d faxes (f50 %d times), want 101 of 100, f50 twice", len(items), len(seen), seen["f50"])
	}
}

// TestListWhileDownloading: faxes downloaded as they are yielded are no
// longer listed, the list shrinking while it is read; every fax is still
// yielded, at least once, from requests that all ask offset 0.
func TestListWhileDownloading(t *testing.T) {
	crowded := faxesIn(250)
	for i := range 99 { // 99 more in the window's last second
		crowded = append(crowded, fmt.Sprintf(`{"fax_id":"g%d","completed_timestamp":"2024-05-10T17:59:59.%03dZ"}`, i, i))
	}
	cases := map[string][]string{"empty": nil, "one": faxesIn(1), "99": faxesIn(99), "100": faxesIn(100),
		"101": faxesIn(101), "250": faxesIn(250), "1000": faxesIn(1000), "crowded": crowded}
	for name, faxes := range cases {
		for _, download := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/download=%v", name, download), func(t *testing.T) {
				api := &listAPI{faxes: map[string][]string{"u1": slices.Clone(faxes)}}
				srv := newListServer(t, api)
				l := newLister(t, srv, listAccount(t, srv, "u1"))
				seen := map[string]bool{}
				err := l.List(context.Background(), "demo", window, func(it listing.Item) error {
					seen[string(it.Body)] = true
					if download {
						api.download("u1", string(it.Body))
					}
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				for _, fx := range faxes {
					if !seen[fx] {
						t.Errorf("%s never yielded", fx)
					}
				}
				if len(seen) != len(faxes) {
					t.Errorf("%d faxes yielded, want %d", len(seen), len(faxes))
				}
				checkSplits(t, api.listed(), window)
			})
		}
	}
}

// TestListWindow: the query covers the window in whole seconds; every
// fax the answer holds is yielded, byte-exact, even one that reads as
// completed outside the window (eFax may filter by another timestamp), one
// without a fax_id or not an object (FaxID "", for the processor to
// reject), and one whose time does not read (CompletedAt zero).
func TestListWindow(t *testing.T) {
	faxes := []string{
		`{"fax_id":"before","completed_timestamp":"2024-05-10T16:59:59Z"}`,
		`{"fax_id":"from","completed_timestamp":"2024-05-10T17:00:00.5Z"}`,
		`{"fax_id":"offset","completed_timestamp":"2024-05-10T19:30:00+02:00"}`,
		`{"fax_id":"last","completed_timestamp":"2024-05-10T17:59:59.999Z"}`,
		`{"fax_id":"to","completed_timestamp":"2024-05-10T18:00:00.7Z"}`,
		`{"fax_id":"after","completed_timestamp":"2024-05-11T00:00:00Z"}`,
		`{"fax_id":1234,"completed_timestamp":"someday"}`,
		`{"fax_id":"","completed_timestamp":"2024-05-10T17:30:00Z"}`,
		`{"pages":2}`, `null`, `"f"`, `[]`,
	}
	api := &listAPI{unfiltered: true, faxes: map[string][]string{"": faxes}}
	srv := newListServer(t, api)
	w := listing.Window{From: window.From.Add(500 * time.Millisecond), To: window.To.Add(700 * time.Millisecond)}
	items, err := listAll(newLister(t, srv, listAccount(t, srv)), "demo", w)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, it := range items {
		got = append(got, it.FaxID+"@"+it.CompletedAt.Format(time.RFC3339Nano))
		if i < len(faxes) && string(it.Body) != faxes[i] {
			t.Errorf("item %d body %s, want %s", i, it.Body, faxes[i])
		}
	}
	zero := "@0001-01-01T00:00:00Z"
	want := []string{
		"before@2024-05-10T16:59:59Z", "from@2024-05-10T17:00:00.5Z", "offset@2024-05-10T17:30:00Z",
		"last@2024-05-10T17:59:59.999Z", "to@2024-05-10T18:00:00.7Z", "after@2024-05-11T00:00:00Z",
		"1234" + zero, "@2024-05-10T17:30:00Z", zero, zero, zero, zero,
	}
	if !slices.Equal(got, want) {
		t.Errorf("listed %v\nwant %v", got, want)
	}
	wantQuery := "image_downloaded=false&min_completed_timestamp=2024-05-10T17%3A00%3A00Z&max_completed_timestamp=2024-05-10T18%3A00%3A01Z"
	if reqs := api.listed(); len(reqs) != 1 || reqs[0].Query != wantQuery {
		t.Errorf("requests %+v, want one with query %s", reqs, wantQuery)
	}
	if items, err := listAll(newLister(t, srv, listAccount(t, srv)), "demo", listing.Window{From: w.To, To: w.To}); err != nil || len(items) != 0 {
		t.Errorf("empty window: %v, %v; want nothing", items, err)
	}
}

// TestListUsers: one listing per user id, with its user-id header, which
// each item records for the downloader.
func TestListUsers(t *testing.T) {
	api := &listAPI{faxes: map[string][]string{
		"u1": {`{"fax_id":"a","completed_timestamp":"2024-05-10T17:10:00Z"}`},
		"u2": {`{"fax_id":"b","completed_timestamp":"2024-05-10T17:20:00Z"}`, `{"fax_id":"c","completed_timestamp":"2024-05-10T17:30:00Z"}`},
		"":   {`{"fax_id":"none","completed_timestamp":"2024-05-10T17:30:00Z"}`},
	}}
	srv := newListServer(t, api)
	items, err := listAll(newLister(t, srv, listAccount(t, srv, "u1", "u2")), "demo", window)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.FaxID+":"+strings.Join(it.Header["User-Id"], ",")+":"+strconv.Itoa(len(it.Header)))
	}
	if want := "[a:u1:1 b:u2:1 c:u2:1]"; fmt.Sprint(got) != want {
		t.Errorf("listed %v, want %s", got, want)
	}
	var users []string
	for _, r := range api.listed() {
		users = append(users, r.User)
	}
	if fmt.Sprint(users) != "[u1 u2]" {
		t.Errorf("listed as users %v, want [u1 u2]", users)
	}
}

// TestListRefreshesTokenOnce: a token replaced elsewhere is refreshed
// once and the page asked again; a second 401 is the answer.
func TestListRefreshesTokenOnce(t *testing.T) {
	api := &listAPI{faxes: map[string][]string{"": faxesIn(3)}}
	srv := newListServer(t, api)
	l := newLister(t, srv, listAccount(t, srv))
	if _, err := listAll(l, "demo", window); err != nil {
		t.Fatal(err)
	}
	api.tokens.Add(1) // a second token issued to another process: the first is dead
	items, err := listAll(l, "demo", window)
	if err != nil || len(items) != 3 {
		t.Fatalf("after the token was replaced: %d items, %v; want 3", len(items), err)
	}
	if got := api.tokens.Load(); got != 3 {
		t.Errorf("%d tokens issued, want 3 (ours, another's, ours again)", got)
	}

	api.answer = func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }
	before := len(api.listed())
	_, err = listAll(l, "demo", window)
	var se *docfetch.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Fatalf("error %v, want a 401 StatusError", err)
	}
	if got := len(api.listed()) - before; got != 2 || api.tokens.Load() != 4 {
		t.Errorf("%d listing requests and %d tokens, want 2 and 4", got, api.tokens.Load())
	}
}

// TestListRateLimited: a 429 is a StatusError with the Retry-After asked.
func TestListRateLimited(t *testing.T) {
	api := &listAPI{answer: func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
	}}
	srv := newListServer(t, api)
	_, err := listAll(newLister(t, srv, listAccount(t, srv)), "demo", window)
	var se *docfetch.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusTooManyRequests || se.RetryAfter != 7*time.Second {
		t.Fatalf("error %v, want a 429 StatusError with RetryAfter 7s", err)
	}
}

// TestListBoundsSplits: a window of a second (or less) that answers a
// full page is an error naming it, and so is a window halved more than
// maxListDepth times (made 3 here): a listing that is always full ends
// after a bounded number of requests, none of its faxes yielded.
func TestListBoundsSplits(t *testing.T) {
	second := listing.Window{From: window.From, To: window.From.Add(time.Second)}
	tests := []struct {
		name     string
		w        listing.Window
		depth    int
		want     string
		requests int
	}{
		{"one second", second, maxListDepth,
			"listing received faxes from 2024-05-10T17:00:00Z to 2024-05-10T17:00:01Z: more than 100 not-yet-downloaded faxes completed within that second", 1},
		{"part of a second", listing.Window{From: second.From.Add(200 * time.Millisecond), To: second.From.Add(700 * time.Millisecond)}, maxListDepth,
			"from 2024-05-10T17:00:00Z to 2024-05-10T17:00:01Z: more than 100 not-yet-downloaded faxes", 1},
		// 3600 s halved: 1800, 900, 450, 225, 112, 56, 28, 14, 7, 3, 1.
		{"an hour", window, maxListDepth, "from 2024-05-10T17:00:00Z to 2024-05-10T17:00:01Z: more than 100", 12},
		{"too deep", window, 3, "from 2024-05-10T17:00:00Z to 2024-05-10T17:07:30Z: still 100 or more after halving the window 3 times", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &listAPI{fullPages: true}
			srv := newListServer(t, api)
			l := newLister(t, srv, listAccount(t, srv))
			if got := l.(*lister).maxDepth; got != maxListDepth || maxListDepth != 40 {
				t.Fatalf("maxDepth %d, want 40", got)
			}
			l.(*lister).maxDepth = tt.depth
			items, err := listAll(l, "demo", tt.w)
			if err == nil || !strings.Contains(err.Error(), tt.want) || len(items) != 0 {
				t.Fatalf("%d items, error %v; want none and %q", len(items), err, tt.want)
			}
			reqs := api.listed()
			if len(reqs) != tt.requests {
				t.Errorf("%d requests, want %d", len(reqs), tt.requests)
			}
			for _, r := range reqs {
				if r.Offset != "0" || r.Limit != "100" {
					t.Errorf("request %+v: want offset 0, limit 100", r)
				}
			}
		})
	}
}

// TestListAnswerShapes: a bare array is a page too; anything else that is
// not a listing, or is too large (maxListAnswer, made 1 KiB here), is
// malformed.
func TestListAnswerShapes(t *testing.T) {
	tests := []struct {
		name, body string
		want       int // items; -1: malformed
	}{
		{"bare array", `[{"fax_id":"a"},{"fax_id":"b"}]`, 2},
		{"no faxes member", `{"first_record":0,"last_record":0}`, 0},
		{"null faxes", `{"faxes":null}`, 0},
		{"faxes not an array", `{"faxes":{"fax_id":"a"}}`, -1},
		{"not JSON", `<html>maintenance</html>`, -1},
		{"cut short", `{"faxes":[{"fax_id":"a"}`, -1},
		{"too large", `{"faxes":[],"pad":"` + strings.Repeat("x", 1<<10) + `"}`, -1},
		{"just small enough", `{"faxes":[],"pad":"` + strings.Repeat("x", 1<<10-21) + `"}`, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api := &listAPI{answer: func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, tt.body) }}
			srv := newListServer(t, api)
			l := newLister(t, srv, listAccount(t, srv))
			l.(*lister).maxAnswer = 1 << 10
			items, err := listAll(l, "demo", window)
			if tt.want < 0 {
				if !errors.Is(err, docfetch.ErrMalformed) {
					t.Fatalf("error %v, want ErrMalformed", err)
				}
				return
			}
			if err != nil || len(items) != tt.want {
				t.Fatalf("%d items, %v; want %d", len(items), err, tt.want)
			}
		})
	}
}

// TestListErrors: an unknown account, and yield's error, which stops the
// listing.
func TestListErrors(t *testing.T) {
	api := &listAPI{faxes: map[string][]string{"": faxesIn(150)}}
	srv := newListServer(t, api)
	l := newLister(t, srv, listAccount(t, srv))
	if err := l.List(context.Background(), "nope", window, func(listing.Item) error { return nil }); !errors.Is(err, docfetch.ErrUnknownAccount) {
		t.Errorf("unknown account: %v, want ErrUnknownAccount", err)
	}
	stop := errors.New("stop")
	n, asked := 0, 0
	err := l.List(context.Background(), "demo", window, func(listing.Item) error {
		n++
		if n == 2 {
			asked = len(api.listed())
			return stop
		}
		return nil
	})
	if err != stop || n != 2 || len(api.listed()) != asked { //nolint:errorlint // yield's error, as is
		t.Errorf("yield error: %v after %d items and %d requests (%d when it stopped), want it as is after 2, no request since",
			err, n, len(api.listed()), asked)
	}
}

// TestListLeaksNoCredential: neither the API key nor a token appears in
// an item or an error, whatever the answer.
func TestListLeaksNoCredential(t *testing.T) {
	answers := map[string]func(w http.ResponseWriter, r *http.Request){
		"ok": nil,
		"401 echoing the request": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = fmt.Fprintf(w, "refused %v", r.Header)
		},
		"500":       func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) },
		"malformed": func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "{") },
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			api := &listAPI{faxes: map[string][]string{"u1": faxesIn(2)}, answer: answer}
			srv := newListServer(t, api)
			items, err := listAll(newLister(t, srv, listAccount(t, srv, "u1")), "demo", window)
			secrets := []string{listKey, issued(1), issued(2)}
			for _, it := range items {
				for _, s := range secrets {
					if strings.Contains(fmt.Sprintf("%s %s %s %v %s", it.Method, it.Path, it.Query, it.Header, it.Body), s) {
						t.Errorf("item %+v carries %q", it, s)
					}
				}
			}
			for _, s := range secrets {
				if err != nil && strings.Contains(err.Error(), s) {
					t.Errorf("error %q carries %q", err, s)
				}
			}
		})
	}
	// A refused token request says so, without the key.
	srv := newListServer(t, &listAPI{})
	a := listAccount(t, srv)
	a.APIKey = config.Literal("wrong-key-123")
	forgetTokenCache(t, a)
	_, err := listAll(newLister(t, srv, a), "demo", window)
	var se *docfetch.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized || strings.Contains(err.Error(), "wrong-key-123") {
		t.Errorf("refused token: %v, want a 401 StatusError without the key", err)
	}
}

// TestNewListerRejects: repeated accounts, relative base URLs and user ids
// that cannot be a header.
func TestNewListerRejects(t *testing.T) {
	base := func(id string) config.AccountBase {
		return config.AccountBase{ID: id, APIBaseURL: "https://api.example"}
	}
	tests := map[string][]Account{
		"repeated":      {{AccountBase: base("a")}, {AccountBase: base("a")}},
		"relative":      {{AccountBase: config.AccountBase{ID: "a", APIBaseURL: "/api"}}},
		"empty user":    {{AccountBase: base("a"), UserIDs: []string{""}}},
		"spaced user":   {{AccountBase: base("a"), UserIDs: []string{"u 1"}}},
		"injected user": {{AccountBase: base("a"), UserIDs: []string{"u1\r\nAuthorization: x"}}},
	}
	for name, accounts := range tests {
		if l, err := NewLister(accounts, docfetch.Options{HTTP: http.DefaultClient}); err == nil {
			t.Errorf("%s: got %v, want an error", name, l)
		}
	}
}

// TestTokenSharedByDocumentsAndListing: the document client and the
// lister of one process, each with its own HTTP client, share the app's
// token: one POST /tokens for both, reported once, as the account's.
func TestTokenSharedByDocumentsAndListing(t *testing.T) {
	api := &listAPI{faxes: map[string][]string{"u1": faxesIn(3)}}
	srv := newListServer(t, api)
	a := listAccount(t, srv, "u1")
	var refreshed atomic.Int64
	opts := func() docfetch.Options {
		tr := srv.Client().Transport.(*http.Transport).Clone() //nolint:forcetypeassert // httptest's
		return docfetch.Options{HTTP: &http.Client{Transport: tr}, OnTokenRefresh: func(_ fax.Provider, account string) {
			if account == "demo" {
				refreshed.Add(1)
			}
		}}
	}
	docs, err := NewDocumentClient([]Account{a}, opts())
	if err != nil {
		t.Fatal(err)
	}
	l, err := NewLister([]Account{a}, opts())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			_, err := fetch(docs, request("f1", map[string]string{"user_id": "u1"}))
			errs <- err
		})
		wg.Go(func() {
			_, err := listAll(l, "demo", window)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := api.tokens.Load(); got != 1 {
		t.Errorf("%d POST /tokens, want 1", got)
	}
	if got := refreshed.Load(); got != 1 {
		t.Errorf("%d refreshes reported, want 1", got)
	}
	if got := api.images.Load(); got != 8 {
		t.Errorf("%d images fetched, want 8", got)
	}
}

// TestTokenCacheKey: the same app, URL and key share a cache; another key,
// app or API is another cache.
func TestTokenCacheKey(t *testing.T) {
	a := Account{AccountBase: config.AccountBase{ID: "a", APIBaseURL: "https://api.example"}, AppID: "app", APIKey: config.Literal("k1")}
	forgetTokenCache(t, a)
	c := sharedTokenCache(a)
	same := a
	same.ID = "b" // another account of the same app
	if sharedTokenCache(same) != c {
		t.Error("same app, URL and key: another cache")
	}
	for _, edit := range []func(*Account){
		func(b *Account) { b.APIKey = config.Literal("k2") },
		func(b *Account) { b.AppID = "app2" },
		func(b *Account) { b.APIBaseURL = "https://api2.example" },
	} {
		b := a
		edit(&b)
		forgetTokenCache(t, b)
		if sharedTokenCache(b) == c {
			t.Errorf("%+v shares the cache of %+v", b, a)
		}
	}
}
