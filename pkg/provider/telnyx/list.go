package telnyx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
)

const (
	// pageSize is the page[size] asked [lib]; 250 is assumed to be within
	// Telnyx's bound [?].
	pageSize = 250
	// maxPages bounds one listing: past it, the listing fails rather than
	// page on (a million faxes created within one window).
	maxPages = 4000
)

// lister lists the faxes received by the Telnyx accounts.
type lister struct {
	accounts map[string]*apiClient
}

// NewLister returns the listing.Lister of the Telnyx accounts, for the
// reconciler. It fails as NewDocumentClient does.
func NewLister(accounts []Account, opts docfetch.Options) (listing.Lister, error) {
	clients, err := newAPIClients(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &lister{accounts: clients}, nil
}

// listPage is one page of GET /v2/faxes [lib]: {"data":[faxes…],
// "meta":{"page_number","page_size","total_pages","total_results"}}.
type listPage struct {
	Data []json.RawMessage `json:"data"`
	Meta *struct {
		PageNumber int `json:"page_number"`
		TotalPages int `json:"total_pages"`
	} `json:"meta"`
}

// List lists the faxes account received in w: GET /v2/faxes with
// filter[direction][eq]=inbound, filter[created_at][gte] and
// filter[created_at][lt] [lib] (RFC 3339, UTC), page[size] 250 and
// page[number] from 1 until meta.total_pages (or a page short of full
// when the answer has no meta [?]).
//
// Telnyx filters by created_at, when the fax's call began; w is of
// completion times. The filter starts list_lookback before w.From, so a
// fax that began earlier and completed in w is listed too, and ends at
// w.To, since nothing completes before it begins. A fax listed twice (in
// overlapping windows) is deduplicated by its event id downstream.
//
// The set listed cannot grow while it is paged: w lies in the past
// (the reconciler leaves the settle time) and created_at never changes.
// A fax deleted meanwhile [doc: DELETE /v2/faxes/{id}] shifts later pages
// by one, so its neighbour could be missed in this pass; the next pass,
// which overlaps, lists it.
//
// Yielded: each fax of the pages whose status is received, or absent or
// unreadable (the processor then rejects it, visibly), and whose
// connection_id is the account's when the account names one; faxes still
// under way or failed are no received faxes and are skipped. Each is
// yielded byte-exact with the request's method, path and query (no
// credential: the key goes in Authorization). CompletedAt is updated_at
// [?]. HTTP errors are *docfetch.StatusError; none quotes the API key.
func (l *lister) List(ctx context.Context, account string, w listing.Window, yield func(listing.Item) error) error {
	c, ok := l.accounts[account]
	if !ok {
		return fmt.Errorf("telnyx account %q: %w", account, docfetch.ErrUnknownAccount)
	}
	if !w.From.Before(w.To) {
		return nil
	}
	from := w.From.Add(-c.cfg.ListLookback).UTC()
	for n := 1; ; n++ {
		if n > maxPages {
			return fmt.Errorf("telnyx account %q: listing faxes created from %s: more than %d pages", account, from.Format(time.RFC3339), maxPages)
		}
		query := listQuery(from, w.To.UTC(), n)
		var page listPage
		if err := c.getJSON(ctx, docfetch.JoinURL(c.cfg.APIBaseURL, faxesPath)+"?"+query, &page); err != nil {
			return fmt.Errorf("telnyx account %q: listing received faxes, page %d: %w", account, n, err)
		}
		for _, raw := range page.Data {
			it, ok := listedItem(raw, c.cfg.ConnectionID)
			if !ok {
				continue
			}
			it.Method, it.Path, it.Query = http.MethodGet, faxesPath, query
			if err := yield(it); err != nil {
				return err
			}
		}
		if last(page, n) {
			return nil
		}
	}
}

// last reports whether page, the n-th, is the listing's last.
func last(page listPage, n int) bool {
	if len(page.Data) == 0 {
		return true
	}
	if page.Meta != nil && page.Meta.TotalPages > 0 {
		return n >= page.Meta.TotalPages
	}
	return len(page.Data) < pageSize
}

// listQuery is the query of page n of the inbound faxes created in
// [from, to).
func listQuery(from, to time.Time, n int) string {
	return url.Values{
		"filter[direction][eq]":   {"inbound"},
		"filter[created_at][gte]": {from.Format(time.RFC3339Nano)},
		"filter[created_at][lt]":  {to.Format(time.RFC3339Nano)},
		"page[size]":              {strconv.Itoa(pageSize)},
		"page[number]":            {strconv.Itoa(n)},
	}.Encode()
}

// listedItem is the item of raw, one fax of a page, byte-exact, and
// whether to yield it (see List): its FaxID and CompletedAt as
// normalizeListed reads them, empty and zero when they do not read.
func listedItem(raw json.RawMessage, connection string) (listing.Item, bool) {
	it := listing.Item{Body: bytes.Clone(raw)}
	o, err := parseObject(raw, "listed fax")
	if err != nil {
		return it, true
	}
	if s, ok := o.text("status"); ok && s != statusReceived {
		return it, false
	}
	if c, ok := o.text("connection_id"); connection != "" && ok && c != connection {
		return it, false
	}
	if id, ok := o.text("id"); ok {
		it.FaxID = id
	}
	if t := o.time("updated_at"); t != nil {
		it.CompletedAt = *t
	}
	return it, true
}
