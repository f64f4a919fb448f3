package sfax_test

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// The window most listing tests ask for.
var (
	listFrom = time.Date(2024, 5, 10, 17, 0, 0, 0, time.UTC)
	listTo   = listFrom.Add(time.Hour)
)

// fakeSfax is Sfax's listing for the lister's tests. It fails the test on
// a request without fresh credentials of the test account or without a
// date window, records each request's query and token, and answers with
// answer (n: the requests before this one).
type fakeSfax struct {
	t      *testing.T
	srv    *httptest.Server
	answer func(n int, w http.ResponseWriter, r *http.Request)
	clock  *clock

	mu      sync.Mutex
	queries []url.Values
	tokens  []string
}

func newFakeSfax(t *testing.T, answer func(n int, w http.ResponseWriter, r *http.Request)) *fakeSfax {
	t.Helper()
	f := &fakeSfax{t: t, answer: answer, clock: &clock{now: listTo.Add(time.Minute)}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSfax) serve(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	tok, err := sfax.DecryptToken(q.Get("token"), []byte(vectorKey), []byte(vectorIV))
	if err != nil || tok.Username != username || tok.APIKey != apiKey || q.Get("ApiKey") != apiKey {
		f.t.Errorf("request %s: token %+v, %v", r.URL.Path, tok, err)
	}
	if age := f.clock.Now().Sub(tok.GenDT); age < 0 || age > time.Minute {
		f.t.Errorf("token generated %s, %s before the request", tok.GenDT, age)
	}
	if r.URL.Path != sfax.ListPath || r.Method != http.MethodGet || r.Header.Get("Accept") != "application/json" {
		f.t.Errorf("request %s %s, Accept %q", r.Method, r.URL.Path, r.Header.Get("Accept"))
	}
	if q.Get("StartDateUTC") == "" || q.Get("EndDateUTC") == "" {
		f.t.Errorf("a listing without dates moves Sfax's shared watermark: %s", r.URL.Path)
	}
	f.mu.Lock()
	n := len(f.queries)
	f.queries = append(f.queries, q)
	f.tokens = append(f.tokens, q.Get("token"))
	f.mu.Unlock()
	f.answer(n, w, r)
}

func (f *fakeSfax) requests() []url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]url.Values(nil), f.queries...)
}

// clock is a test clock that moves on a second each time it is read.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

// lister returns faxpipe's lister of the test account, its API at f.
func (f *fakeSfax) lister(t *testing.T) listing.Lister {
	t.Helper()
	acc := account(true)
	acc.APIBaseURL = f.srv.URL + "/"
	l, err := sfax.NewLister([]sfax.Account{acc}, docfetch.Options{HTTP: f.srv.Client(), Now: f.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// list lists acme's faxes in w with f's lister.
func (f *fakeSfax) list(t *testing.T, w listing.Window) ([]listing.Item, error) {
	t.Helper()
	var items []listing.Item
	err := f.lister(t).List(context.Background(), "acme", w, func(it listing.Item) error {
		items = append(items, it)
		return nil
	})
	return items, err
}

// pages answers the n-th request with pages[n], as JSON.
func pages(pages ...string) func(int, http.ResponseWriter, *http.Request) {
	return func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if n >= len(pages) {
			w.WriteHeader(http.StatusTeapot)
			return
		}
		_, _ = io.WriteString(w, pages[n])
	}
}

// The items of the splitting test, byte for byte as the fake Sfax sends them.
const (
	itemA = `{ "FaxId" : 2150102030405000007, "FaxSuccess":"1", "FaxDateIso":"2024-05-10T17:10:00Z",  "FaxPages":"2" }`
	itemB = `{"FaxId":"2150102030405000008","FaxSuccess":0,"FaxDateUtc":"5/10/2024 5:20:00 PM","InboundFaxId":2240510172000000002}`
	itemC = `{"FaxId":2150102030405000009,"FaxSuccess":true,"FaxDateIso":"2024-05-10T17:59:59.9990000Z"}`
	itemD = `{"FaxId":2150102030405000010,"FaxSuccess":1,"FaxDateIso":"2024-05-10T17:30:00Z"}` // at the halves' boundary
)

// morePage is a partial answer: two items and HasMoreItems.
const morePage = `{"InboundFaxItems":[` + itemA + `, ` + itemB + `],"FaxCount":2,"LastWatermark":"2240510172000000002","HasMoreItems":"true","isSuccess":true,"message":"Success"}`

// halves answers the test window [17:00, 18:00) with morePage, its first
// half [17:00, 17:30) with first and its second half with second; any
// other request with HTTP 418.
func halves(first, second string) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch q.Get("StartDateUTC") + " " + q.Get("EndDateUTC") {
		case "2024-05-10T17:00:00Z 2024-05-10T18:00:00Z":
			_, _ = io.WriteString(w, morePage)
		case "2024-05-10T17:00:00Z 2024-05-10T17:30:00Z":
			_, _ = io.WriteString(w, first)
		case "2024-05-10T17:30:00Z 2024-05-10T18:00:00Z":
			_, _ = io.WriteString(w, second)
		default:
			w.WriteHeader(http.StatusTeapot)
		}
	}
}

// TestListSplitsPartialWindows: a window whose answer has HasMoreItems is
// listed again as its two halves, split at a whole second, never with a
// WatermarkId; the partial answer's items are discarded, and every item a
// half answers is yielded (an item both halves answer, as an inclusive
// EndDateUTC would, comes twice: the reconciler feeds it once).
func TestListSplitsPartialWindows(t *testing.T) {
	f := newFakeSfax(t, halves(
		`{"InboundFaxItems":[`+itemA+`, `+itemB+`,`+itemD+`],"FaxCount":3,"LastWatermark":"2240510173000000003","HasMoreItems":"false","isSuccess":true,"message":"Success"}`,
		`{"isSuccess":true,"message":"Success","FaxCount":2,"LastWatermark":2240510175959000004,"HasMoreItems":false,"InboundFaxItems":[`+itemD+`,`+itemC+`]}`,
	))
	items, err := f.list(t, listing.Window{From: listFrom, To: listTo})
	if err != nil {
		t.Fatal(err)
	}
	half1 := "StartDateUTC=2024-05-10T17%3A00%3A00Z&EndDateUTC=2024-05-10T17%3A30%3A00Z&MaxItems=500"
	half2 := "StartDateUTC=2024-05-10T17%3A30%3A00Z&EndDateUTC=2024-05-10T18%3A00%3A00Z&MaxItems=500"
	want := []listing.Item{
		{FaxID: "2150102030405000007", CompletedAt: time.Date(2024, 5, 10, 17, 10, 0, 0, time.UTC), Query: half1, Body: []byte(itemA)},
		{FaxID: "2150102030405000008", CompletedAt: time.Date(2024, 5, 10, 17, 20, 0, 0, time.UTC), Query: half1, Body: []byte(itemB)},
		{FaxID: "2150102030405000010", CompletedAt: time.Date(2024, 5, 10, 17, 30, 0, 0, time.UTC), Query: half1, Body: []byte(itemD)},
		{FaxID: "2150102030405000010", CompletedAt: time.Date(2024, 5, 10, 17, 30, 0, 0, time.UTC), Query: half2, Body: []byte(itemD)},
		{FaxID: "2150102030405000009", CompletedAt: time.Date(2024, 5, 10, 17, 59, 59, 999e6, time.UTC), Query: half2, Body: []byte(itemC)},
	}
	if len(items) != len(want) {
		t.Fatalf("%d items, want %d: %+v", len(items), len(want), items)
	}
	for i, it := range items {
		w := want[i]
		if it.FaxID != w.FaxID || !it.CompletedAt.Equal(w.CompletedAt) || it.Method != http.MethodGet || it.Path != "/api/ReceiveInboundFax" ||
			it.Query != w.Query || it.Header != nil || string(it.Body) != string(w.Body) {
			t.Errorf("item %d = %+v (body %s),\nwant %+v (body %s)", i, it, it.Body, w, w.Body)
		}
	}
	reqs := f.requests()
	wantDates := [][2]string{
		{"2024-05-10T17:00:00Z", "2024-05-10T18:00:00Z"},
		{"2024-05-10T17:00:00Z", "2024-05-10T17:30:00Z"},
		{"2024-05-10T17:30:00Z", "2024-05-10T18:00:00Z"},
	}
	if len(reqs) != len(wantDates) {
		t.Fatalf("%d requests, want %d", len(reqs), len(wantDates))
	}
	for i, q := range reqs {
		if q.Get("StartDateUTC") != wantDates[i][0] || q.Get("EndDateUTC") != wantDates[i][1] || q.Get("MaxItems") != "500" || q.Has("WatermarkId") {
			t.Errorf("request %d: %s; want %s to %s, MaxItems 500 and no WatermarkId", i, q.Encode(), wantDates[i][0], wantDates[i][1])
		}
	}
	if f.tokens[0] == f.tokens[1] || f.tokens[1] == f.tokens[2] {
		t.Error("two requests carried the same token: each call must generate its own")
	}
}

// TestListFiltersTheWindow: dates are whole seconds, so Sfax is asked for
// the window rounded outwards and what falls outside [From, To) is
// dropped; an item whose time does not read is kept.
// TestListYieldsEveryItem: whatever an item's completion time, it is
// yielded (Sfax chose it for the window; a duplicate across windows is
// harmless, a drop would lose a fax).
func TestListYieldsEveryItem(t *testing.T) {
	item := func(id, field, at string) string {
		return fmt.Sprintf(`{"FaxId":%s,"FaxSuccess":1,%q:%q}`, id, field, at)
	}
	f := newFakeSfax(t, pages(`{"isSuccess":true,"HasMoreItems":false,"InboundFaxItems":[`+strings.Join([]string{
		item("1", "FaxDateIso", "2024-05-10T17:00:00Z"),         // before From (17:00:00.5)
		item("2", "FaxDateIso", "2024-05-10T17:00:00.500Z"),     // at From
		item("3", "FaxDateUtc", "5/10/2024 5:30:00 PM"),         // inside
		item("4", "FaxDateIso", "2024-05-10T18:00:00.2500000Z"), // at To
		item("5", "FaxDateIso", "2024-05-10T18:00:00.9Z"),       // after To
		item("6", "FaxDateIso", "some day"),                     // unreadable: kept
		`{"FaxId":7,"FaxSuccess":1}`,                            // no time: kept
		`"not an object"`,                                       // kept: the processor rejects it
		item("9", "FaxDateIso", "2024-05-10T16:59:59Z"),         // before the window
		item("10", "FaxDateIso", "2024-05-10T17:59:59.999999Z"), // inside
	}, ",")+`]}`))
	items, err := f.list(t, listing.Window{From: listFrom.Add(500 * time.Millisecond), To: listTo.Add(250 * time.Millisecond)})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, cmp.Or(it.FaxID, "?"))
	}
	if want := "1 2 3 4 5 6 7 ? 9 10"; strings.Join(got, " ") != want {
		t.Errorf("fax ids %q, want %q", strings.Join(got, " "), want)
	}
	q := f.requests()[0]
	if q.Get("StartDateUTC") != "2024-05-10T17:00:00Z" || q.Get("EndDateUTC") != "2024-05-10T18:00:01Z" {
		t.Errorf("dates %s to %s, want 17:00:00 to 18:00:01", q.Get("StartDateUTC"), q.Get("EndDateUTC"))
	}
}

func TestListRefusals(t *testing.T) {
	tests := []struct {
		name    string
		answer  string
		wantIn  string
		wantErr error
	}{
		{name: "isSuccess false", answer: `{"isSuccess":false,"message":"Invalid date range","InboundFaxItems":[{"FaxId":1}]}`, wantIn: "Invalid date range"},
		{name: "isSuccess false as a string", answer: `{"isSuccess":"false","message":"Try later"}`, wantIn: "Try later"},
		{name: "no isSuccess", answer: `{"InboundFaxItems":[{"FaxId":1}],"HasMoreItems":false}`, wantIn: "isSuccess missing"},
		{name: "XML", answer: `<ReceiveInboundFaxResponse><isSuccess>true</isSuccess></ReceiveInboundFaxResponse>`, wantErr: docfetch.ErrMalformed},
		{name: "not an object", answer: `[]`, wantErr: docfetch.ErrMalformed},
		{name: "InboundFaxItems not a list", answer: `{"isSuccess":true,"InboundFaxItems":{"FaxId":1}}`, wantErr: docfetch.ErrMalformed},
		{name: "HasMoreItems unreadable", answer: `{"isSuccess":true,"HasMoreItems":"perhaps","InboundFaxItems":[]}`, wantErr: docfetch.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSfax(t, pages(tt.answer))
			items, err := f.list(t, listing.Window{From: listFrom, To: listTo})
			if err == nil || len(items) != 0 {
				t.Fatalf("List = %d items, %v; want an error and no item", len(items), err)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not say %q", err, tt.wantIn)
			}
		})
	}
}

func TestListEmptyAnswers(t *testing.T) {
	for _, answer := range []string{
		`{"isSuccess":true,"message":"Success","FaxCount":0,"LastWatermark":"","HasMoreItems":"false","InboundFaxItems":[]}`,
		`{"isSuccess":true,"InboundFaxItems":null}`,
		`{"IsSuccess":"True"}`,
	} {
		f := newFakeSfax(t, pages(answer))
		if items, err := f.list(t, listing.Window{From: listFrom, To: listTo}); err != nil || len(items) != 0 {
			t.Errorf("%s: %d items, %v; want none", answer, len(items), err)
		}
	}
}

func TestListHTTPErrors(t *testing.T) {
	for _, tt := range []struct {
		code       int
		retryAfter string
		want       time.Duration
	}{
		{code: http.StatusTooManyRequests, retryAfter: "7", want: 7 * time.Second},
		{code: http.StatusServiceUnavailable},
		{code: http.StatusUnauthorized},
	} {
		f := newFakeSfax(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			if tt.retryAfter != "" {
				w.Header().Set("Retry-After", tt.retryAfter)
			}
			w.WriteHeader(tt.code)
			_, _ = io.WriteString(w, `{"message":"slow down"}`)
		})
		_, err := f.list(t, listing.Window{From: listFrom, To: listTo})
		var se *docfetch.StatusError
		if !errors.As(err, &se) || se.Code != tt.code || se.RetryAfter != tt.want {
			t.Errorf("HTTP %d: error %v, want a StatusError with RetryAfter %s", tt.code, err, tt.want)
		}
	}
}

// TestListGuardsItsSplits: a window of a second or less whose answer
// keeps saying HasMoreItems (more than 500 faxes in that second) is an
// error naming the window after one request, not a loop; so is any window
// that always does, once halved down to a second.
func TestListGuardsItsSplits(t *testing.T) {
	always := func(_ int, w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"isSuccess":true,"HasMoreItems":true,"LastWatermark":"21","InboundFaxItems":[{"FaxId":1,"FaxSuccess":1}]}`)
	}
	tests := []struct {
		name        string
		w           listing.Window
		maxRequests int
		wantIn      string
	}{
		{name: "one second", w: listing.Window{From: listFrom, To: listFrom.Add(time.Second)}, maxRequests: 1,
			wantIn: "from 2024-05-10T17:00:00Z to 2024-05-10T17:00:01Z"},
		{name: "less than a second", w: listing.Window{From: listFrom.Add(200 * time.Millisecond), To: listFrom.Add(700 * time.Millisecond)},
			maxRequests: 1, wantIn: "from 2024-05-10T17:00:00Z to 2024-05-10T17:00:01Z"},
		{name: "an hour", w: listing.Window{From: listFrom, To: listTo}, maxRequests: 41, wantIn: "within that second"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSfax(t, always)
			items, err := f.list(t, tt.w)
			if err == nil {
				t.Fatal("List succeeded")
			}
			if !strings.Contains(err.Error(), "more than 500 faxes") || !strings.Contains(err.Error(), tt.wantIn) {
				t.Errorf("error %q does not say more than 500 faxes, %s", err, tt.wantIn)
			}
			reqs := f.requests()
			if len(reqs) == 0 || len(reqs) > tt.maxRequests {
				t.Errorf("%d requests, want 1 to %d", len(reqs), tt.maxRequests)
			}
			for i, q := range reqs {
				if q.Has("WatermarkId") {
					t.Errorf("request %d carried WatermarkId: %s", i, q.Encode())
				}
			}
			if len(items) != 0 {
				t.Errorf("%d items yielded from partial answers", len(items))
			}
		})
	}
}

// TestListLeaksNoCredential: neither the token nor the API key, as is or
// percent-encoded, appears in any item or any error, whatever Sfax
// echoes back.
func TestListLeaksNoCredential(t *testing.T) {
	echo := func(status int, wrap func(string) string) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			_, _ = io.WriteString(w, wrap(r.URL.String()+" "+r.URL.Query().Get("token")))
		}
	}
	quoted := func(s string) string { return strings.ReplaceAll(s, `"`, `'`) }
	answers := map[string]func(int, http.ResponseWriter, *http.Request){
		"HTTP 500 echoing the request": echo(http.StatusInternalServerError, func(s string) string { return s }),
		"HTTP 429 echoing the request": echo(http.StatusTooManyRequests, func(s string) string { return s }),
		"isSuccess false echoing it": echo(http.StatusOK, func(s string) string {
			return `{"isSuccess":false,"message":"` + quoted(s) + `"}`
		}),
		"not JSON, echoing it": echo(http.StatusOK, func(s string) string { return "<error>" + s + "</error>" }),
		"HasMoreItems unreadable": func(_ int, w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, `{"isSuccess":true,"HasMoreItems":"`+quoted(r.URL.Query().Get("ApiKey"))+`"}`)
		},
		"connection cut": func(_ int, _ http.ResponseWriter, _ *http.Request) {
			panic(http.ErrAbortHandler)
		},
		"a good listing": halves(
			`{"isSuccess":true,"HasMoreItems":false,"InboundFaxItems":[`+itemA+`]}`,
			`{"isSuccess":true,"HasMoreItems":false,"InboundFaxItems":[`+itemC+`]}`),
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			f := newFakeSfax(t, answer)
			items, err := f.list(t, listing.Window{From: listFrom, To: listTo})
			if name == "a good listing" && (err != nil || len(items) != 2) {
				t.Fatalf("List = %d items, %v", len(items), err)
			}
			if name != "a good listing" && err == nil {
				t.Fatal("List succeeded")
			}
			f.mu.Lock()
			tokens := append([]string(nil), f.tokens...)
			f.mu.Unlock()
			if len(tokens) == 0 {
				t.Fatal("no request reached the fake Sfax")
			}
			var texts []string
			if err != nil {
				texts = append(texts, err.Error())
			}
			for _, it := range items {
				texts = append(texts, it.Query, string(it.Body), it.Path, fmt.Sprint(it.Header))
			}
			for _, secret := range append(tokens, apiKey) {
				for _, form := range []string{secret, url.QueryEscape(secret)} {
					for _, s := range texts {
						if strings.Contains(s, form) {
							t.Errorf("credential %q in %q", form, s)
						}
					}
				}
			}
		})
	}
}

func TestListAnswerIsBounded(t *testing.T) {
	f := newFakeSfax(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{"isSuccess":true,"InboundFaxItems":[`)
		chunk := strings.Repeat(" ", 1<<20)
		for range 17 {
			if _, err := io.WriteString(w, chunk); err != nil {
				return
			}
		}
		_, _ = io.WriteString(w, `]}`)
	})
	if _, err := f.list(t, listing.Window{From: listFrom, To: listTo}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("List of a 17 MiB answer: %v", err)
	}
}

func TestListStopsAtYieldsError(t *testing.T) {
	f := newFakeSfax(t, halves(
		`{"isSuccess":true,"InboundFaxItems":[`+itemA+`,`+itemB+`]}`,
		`{"isSuccess":true,"InboundFaxItems":[`+itemC+`]}`))
	stop := errors.New("stop")
	n := 0
	err := f.lister(t).List(context.Background(), "acme", listing.Window{From: listFrom, To: listTo}, func(listing.Item) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 || len(f.requests()) != 2 {
		t.Errorf("List = %v after %d items and %d requests; want yield's error after 1 and 2 (the partial answer, then the first half)", err, n, len(f.requests()))
	}
}

func TestListWindowsAndAccounts(t *testing.T) {
	f := newFakeSfax(t, pages())
	l := f.lister(t)
	nothing := func(listing.Item) error { t.Error("an item was yielded"); return nil }
	ctx := context.Background()
	if err := l.List(ctx, "globex", listing.Window{From: listFrom, To: listTo}, nothing); !errors.Is(err, docfetch.ErrUnknownAccount) {
		t.Errorf("unknown account: %v", err)
	}
	if err := l.List(ctx, "acme", listing.Window{From: listFrom, To: listFrom}, nothing); err != nil {
		t.Errorf("empty window: %v", err)
	}
	if err := l.List(ctx, "acme", listing.Window{From: listTo, To: listFrom}, nothing); err == nil {
		t.Error("a window ending before it starts was listed")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.List(cancelled, "acme", listing.Window{From: listFrom, To: listTo}, nothing); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests reached Sfax", n)
	}
}

func TestNewListerRefuses(t *testing.T) {
	withURL := func(u string) sfax.Account {
		a := account(true)
		a.APIBaseURL = u
		return a
	}
	hc := &http.Client{}
	tests := []struct {
		name     string
		accounts []sfax.Account
		hc       *http.Client
	}{
		{name: "no HTTP client", accounts: []sfax.Account{account(true)}},
		{name: "repeated id", accounts: []sfax.Account{account(true), account(true)}, hc: hc},
		{name: "no base URL", accounts: []sfax.Account{withURL("")}, hc: hc},
		{name: "relative base URL", accounts: []sfax.Account{withURL("api.sfaxme.com/api")}, hc: hc},
		{name: "not HTTP", accounts: []sfax.Account{withURL("ftp://api.sfaxme.com")}, hc: hc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := sfax.NewLister(tt.accounts, docfetch.Options{HTTP: tt.hc}); err == nil {
				t.Fatal("NewLister succeeded")
			}
		})
	}
}

func TestProviderHasALister(t *testing.T) {
	acc := account(true)
	l, err := sfax.Provider.NewLister(config.Accounts{&acc}, docfetch.Options{HTTP: &http.Client{}})
	if err != nil || l == nil {
		t.Fatalf("Provider.NewLister = %v, %v", l, err)
	}
}

// TestListSplitsFullAnswers: an answer holding MaxItems items is taken as
// partial even when it does not say HasMoreItems: its window is listed
// again as two halves.
func TestListSplitsFullAnswers(t *testing.T) {
	full := make([]string, sfax.MaxListItems)
	for i := range full {
		full[i] = fmt.Sprintf(`{"FaxId":"%d","FaxSuccess":1}`, 3150102030405000000+i)
	}
	f := newFakeSfax(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		q := r.URL.Query()
		switch q.Get("StartDateUTC") + " " + q.Get("EndDateUTC") {
		case "2024-05-10T17:00:00Z 2024-05-10T18:00:00Z":
			_, _ = io.WriteString(w, `{"isSuccess":true,"InboundFaxItems":[`+strings.Join(full, ",")+`]}`)
		default:
			_, _ = io.WriteString(w, `{"isSuccess":true,"HasMoreItems":false,"InboundFaxItems":[{"FaxId":"1","FaxSuccess":1}]}`)
		}
	})
	items, err := f.list(t, listing.Window{From: listFrom, To: listTo})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 || len(f.requests()) != 3 {
		t.Fatalf("%d items from %d requests, want 2 from 3 (the full answer discarded, both halves listed)", len(items), len(f.requests()))
	}
}
