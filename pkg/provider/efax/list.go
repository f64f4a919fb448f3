package efax

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
)

// The listing of received faxes [doc]: GET listPath, with the request
// headers pagination-offset and pagination-limit.
const (
	listPath = "/faxes/received"
	// pageSize is the pagination-limit asked: eFax's page of 100. An
	// answer of that many faxes is taken as possibly partial [?].
	pageSize = 100
	// maxListDepth bounds how many times a window is halved: past it the
	// listing fails rather than recurse on (a day is halved to single
	// seconds in 17 steps).
	maxListDepth = 40
	// maxListAnswer bounds how much of one page's answer is read.
	maxListAnswer = 16 << 20
)

// lister lists the faxes received by the eFax accounts, with the token of
// each account's app shared with the document client (sharedTokenCache).
type lister struct {
	accounts map[string]*apiClient
	// maxDepth and maxAnswer are the bounds of a listing: maxListDepth
	// and maxListAnswer but in tests.
	maxDepth, maxAnswer int
}

// NewLister returns the listing.Lister of the eFax accounts, for the
// reconciler. It fails on a repeated account id, an API base URL that is
// not absolute, or a user id that cannot be sent as a header. Its calls
// use opts (HTTP client, clock, refresh hook); the token is the one its
// app shares with NewDocumentClient's in the same process.
func NewLister(accounts []Account, opts docfetch.Options) (listing.Lister, error) {
	for _, a := range accounts {
		for _, u := range a.UserIDs {
			if !validUserID(u) {
				return nil, fmt.Errorf("efax: account %q user id %q is empty or has a space or control character", a.ID, u)
			}
		}
	}
	clients, err := newAPIClients(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &lister{accounts: clients, maxDepth: maxListDepth, maxAnswer: maxListAnswer}, nil
}

// List lists the faxes account received in w that were not downloaded
// yet: GET {api_base_url}/faxes/received?image_downloaded=false&
// min_completed_timestamp=…&max_completed_timestamp=… (RFC 3339, UTC,
// whole seconds widened to cover w), once per user id of the account with
// the header user-id, or once without it when it names none [?].
//
// The list shrinks while it is read: a fax fed to the downloader, or
// downloaded for its webhook, is no longer listed (image_downloaded=false),
// so the faxes after it move up and a page asked by offset would skip
// some for good. No page past the first is ever asked: every request has
// pagination-offset 0 and pagination-limit 100. An answer of 100 faxes
// (or more) may be partial [?: that a page is full at exactly
// pagination-limit is assumed]: it is discarded (none of its faxes is
// yielded) and the window is listed again as two halves split at a whole
// second in the middle of the request's window, the first half first,
// recursively. A window of one second or less that still answers a full
// page, or a window halved more than maxListDepth times, is an error
// rather than a loop.
//
// The answer's shape is [?]: an object whose faxes member is the page
// (absent or null: an empty page), or the page as a bare array. Every
// fax of an answer that is not full is yielded byte-exact, with the
// request's method, path, query (no credential) and user-id header, even
// one whose completed_timestamp reads outside w (which timestamp eFax
// filters by is not documented; a fax seen twice is deduplicated
// downstream, one dropped would be lost), and even one that is not a
// JSON object or has no fax_id (FaxID "": the processor rejects it,
// visibly). A fax whose completed_timestamp does not read as RFC 3339 is
// yielded with CompletedAt zero. HTTP errors are *docfetch.StatusError;
// no item or error carries the API key or a token.
func (l *lister) List(ctx context.Context, account string, w listing.Window, yield func(listing.Item) error) error {
	c, ok := l.accounts[account]
	if !ok {
		return fmt.Errorf("efax account %q: %w", account, docfetch.ErrUnknownAccount)
	}
	if !w.From.Before(w.To) {
		return nil
	}
	users := c.cfg.UserIDs
	if len(users) == 0 {
		users = []string{""}
	}
	for _, u := range users {
		if err := l.list(ctx, c, u, w.From.UTC(), w.To.UTC(), 0, yield); err != nil {
			return err
		}
	}
	return nil
}

// list lists the faxes of user ("": no user-id header) in [from, to), a
// non-empty part of a listing's window, depth halvings down from it: one
// request if its answer is not full, else its two halves.
func (l *lister) list(ctx context.Context, c *apiClient, user string, from, to time.Time, depth int, yield func(listing.Item) error) error {
	start, end := from.Truncate(time.Second), ceilSecond(to)
	window := "from " + start.Format(time.RFC3339) + " to " + end.Format(time.RFC3339)
	if user != "" {
		window += fmt.Sprintf(" as user %q", user)
	}
	query := listQuery(start, end)
	h := http.Header{}
	if user != "" {
		h.Set(userIDHeader, user)
	}
	h.Set("pagination-offset", "0")
	h.Set("pagination-limit", strconv.Itoa(pageSize))
	faxes, err := l.page(ctx, c, docfetch.JoinURL(c.cfg.APIBaseURL, listPath)+"?"+query, h)
	if err != nil {
		return fmt.Errorf("efax account %q: listing received faxes %s: %w", c.cfg.ID, window, err)
	}
	if len(faxes) >= pageSize {
		// Perhaps partial: discard it and list both halves instead.
		switch {
		case end.Sub(start) <= time.Second:
			return fmt.Errorf("efax account %q: listing received faxes %s: more than %d not-yet-downloaded faxes "+
				"completed within that second, which cannot be listed without paging by offset", c.cfg.ID, window, pageSize)
		case depth >= l.maxDepth:
			return fmt.Errorf("efax account %q: listing received faxes %s: still %d or more after halving the window %d times",
				c.cfg.ID, window, pageSize, depth)
		}
		// start < mid < end, at least a second from each, so from < mid < to.
		mid := start.Add(end.Sub(start) / 2).Truncate(time.Second)
		if err := l.list(ctx, c, user, from, mid, depth+1, yield); err != nil {
			return err
		}
		return l.list(ctx, c, user, mid, to, depth+1, yield)
	}
	for _, raw := range faxes {
		it := listedItem(raw)
		it.Method, it.Path, it.Query = http.MethodGet, listPath, query
		if user != "" {
			it.Header = map[string][]string{http.CanonicalHeaderKey(userIDHeader): {user}}
		}
		if err := yield(it); err != nil {
			return err
		}
	}
	return nil
}

// listQuery is the query of the listing of [start, end), whole seconds:
// not yet downloaded faxes completed from start to end. Whether eFax's
// bounds are inclusive is [?]; items are not filtered here (see List).
func listQuery(start, end time.Time) string {
	return "image_downloaded=false" +
		"&min_completed_timestamp=" + url.QueryEscape(start.Format(time.RFC3339)) +
		"&max_completed_timestamp=" + url.QueryEscape(end.Format(time.RFC3339))
}

// ceilSecond is t rounded up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if s := t.Truncate(time.Second); s.Before(t) {
		return s.Add(time.Second)
	}
	return t
}

// page gets one page of the listing and returns its faxes, each as the
// answer wrote it. HTTP errors are *docfetch.StatusError; an answer that
// is too large or not a listing wraps docfetch.ErrMalformed.
func (l *lister) page(ctx context.Context, c *apiClient, u string, h http.Header) ([]json.RawMessage, error) {
	resp, err := c.get(ctx, u, h)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(l.maxAnswer)+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(body) > l.maxAnswer {
		return nil, fmt.Errorf("answer larger than %d bytes: %w", l.maxAnswer, docfetch.ErrMalformed)
	}
	return parseListing(body)
}

// parseListing reads a page of the listing: a bare JSON array of faxes,
// or an object whose faxes member is one (absent or null: none).
func parseListing(body []byte) ([]json.RawMessage, error) {
	var faxes []json.RawMessage
	if b := bytes.TrimLeft(body, " \t\r\n"); len(b) > 0 && b[0] == '[' {
		if err := json.Unmarshal(body, &faxes); err != nil {
			return nil, fmt.Errorf("answer is not a JSON array of faxes: %w", docfetch.ErrMalformed)
		}
		return faxes, nil
	}
	var page struct {
		Faxes []json.RawMessage `json:"faxes"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return nil, fmt.Errorf("answer is not a JSON object with a faxes array: %w", docfetch.ErrMalformed)
	}
	return page.Faxes, nil
}

// listedItem is the item of raw, one fax of a page, byte-exact: its
// FaxID and CompletedAt as normalizeListed reads them, empty and zero
// when they do not read (the processor then rejects the item, visibly).
func listedItem(raw json.RawMessage) listing.Item {
	it := listing.Item{Body: raw}
	f, err := parseFields(raw)
	if err != nil {
		return it
	}
	if id, _ := f.peek("fax_id"); strings.TrimSpace(id) != "" {
		it.FaxID = id
	}
	if t := f.time("completed_timestamp"); t != nil {
		it.CompletedAt = *t
	}
	return it
}
