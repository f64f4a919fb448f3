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

// The listing of received faxes [doc]: GET listPath, paged by the request
// headers pagination-offset and pagination-limit.
const (
	listPath = "/faxes/received"
	// pageSize is the pagination-limit asked: eFax's page of 100.
	pageSize = 100
	// maxPages bounds the pages of one listing (one window, one user): a
	// window with more faxes than that is an error, not an endless loop.
	maxPages = 1000
	// maxListAnswer bounds how much of one page's answer is read.
	maxListAnswer = 16 << 20
)

// lister lists the faxes received by the eFax accounts, with the token of
// each account's app shared with the document client (sharedTokenCache).
type lister struct {
	accounts map[string]*apiClient
	// maxPages and maxAnswer are the bounds of a listing: maxPages and
	// maxListAnswer but in tests.
	maxPages, maxAnswer int
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
	return &lister{accounts: clients, maxPages: maxPages, maxAnswer: maxListAnswer}, nil
}

// List lists the faxes account received in w that were not downloaded
// yet: GET {api_base_url}/faxes/received?image_downloaded=false&
// min_completed_timestamp=…&max_completed_timestamp=… (RFC 3339, UTC,
// whole seconds widened to cover w), once per user id of the account with
// the header user-id, or once without it when it names none [?]. Pages
// are asked with pagination-offset 0, 100, 200… and pagination-limit 100
// until one has fewer than 100 faxes. The answer's shape is [?]: an object
// whose faxes member is the page (absent or null: an empty page), or the
// page as a bare array. Each fax, a JSON object, is yielded byte-exact,
// with the request's method, path, query (no credential) and user-id
// header; one whose completed_timestamp is outside w is skipped, as is
// anything without a fax_id (nothing could be made of it). A fax whose
// completed_timestamp does not read as RFC 3339 is yielded, its
// CompletedAt zero: eFax put it in the window.
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
		if err := l.list(ctx, c, u, w, yield); err != nil {
			return err
		}
	}
	return nil
}

// list lists the faxes of user ("": no user-id header) in w, page by page.
func (l *lister) list(ctx context.Context, c *apiClient, user string, w listing.Window, yield func(listing.Item) error) error {
	query := listQuery(w)
	u := docfetch.JoinURL(c.cfg.APIBaseURL, listPath) + "?" + query
	for page := range l.maxPages {
		h := http.Header{}
		if user != "" {
			h.Set(userIDHeader, user)
		}
		h.Set("pagination-offset", strconv.Itoa(page*pageSize))
		h.Set("pagination-limit", strconv.Itoa(pageSize))
		faxes, err := l.page(ctx, c, u, h)
		if err != nil {
			return fmt.Errorf("efax account %q: listing received faxes: %w", c.cfg.ID, err)
		}
		for _, raw := range faxes {
			it, ok := listedItem(raw, w)
			if !ok {
				continue
			}
			it.Method, it.Path, it.Query = http.MethodGet, listPath, query
			if user != "" {
				it.Header = map[string][]string{http.CanonicalHeaderKey(userIDHeader): {user}}
			}
			if err := yield(it); err != nil {
				return err
			}
		}
		if len(faxes) < pageSize {
			return nil
		}
	}
	return fmt.Errorf("efax account %q: listing received faxes from %s to %s has more than %d pages of %d; list shorter windows",
		c.cfg.ID, w.From.UTC().Format(time.RFC3339), w.To.UTC().Format(time.RFC3339), l.maxPages, pageSize)
}

// listQuery is the query of the listing of w: not yet downloaded faxes
// completed from w.From (down to its second) to w.To (up to its second);
// listedItem applies w exactly.
func listQuery(w listing.Window) string {
	from, to := w.From.UTC().Truncate(time.Second), w.To.UTC()
	if t := to.Truncate(time.Second); !t.Equal(to) {
		to = t.Add(time.Second)
	}
	return "image_downloaded=false" +
		"&min_completed_timestamp=" + url.QueryEscape(from.Format(time.RFC3339)) +
		"&max_completed_timestamp=" + url.QueryEscape(to.Format(time.RFC3339))
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

// listedItem is the item of raw, one fax of a page, unless it is not a
// JSON object with a fax_id or completed outside w. Its FaxID is the one
// normalizeListed reads.
func listedItem(raw json.RawMessage, w listing.Window) (listing.Item, bool) {
	f, err := parseFields(raw)
	if err != nil {
		return listing.Item{}, false
	}
	id, _ := f.peek("fax_id")
	if strings.TrimSpace(id) == "" {
		return listing.Item{}, false
	}
	it := listing.Item{FaxID: id, Body: raw}
	if t := f.time("completed_timestamp"); t != nil {
		if t.Before(w.From) || !t.Before(w.To) {
			return listing.Item{}, false
		}
		it.CompletedAt = *t
	}
	return it, true
}
