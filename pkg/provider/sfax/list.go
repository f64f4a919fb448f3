package sfax

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// ListPath is Sfax's listing of received faxes [doc]; the path of every
// listing.Item.
const ListPath = "/api/ReceiveInboundFax"

// Bounds of a listing.
const (
	// MaxListItems is the MaxItems asked for: Sfax's largest page [doc].
	MaxListItems = 500
	// maxListDepth bounds how many times a window is halved: past it the
	// listing fails rather than recurse on (a day is halved to single
	// seconds in 17 steps).
	maxListDepth = 40
	// maxListAnswer bounds the bytes of one page read.
	maxListAnswer = 16 << 20
	// maxListMessage bounds the provider's message quoted in an error.
	maxListMessage = 200
)

// lister lists the received faxes of the Sfax accounts through their API.
type lister struct {
	accounts map[string]Account
	opts     docfetch.Options
}

// NewLister returns the listing.Lister of the Sfax accounts: GET
// {api_base_url}/api/ReceiveInboundFax with a token generated for each
// request (as the document client does), always with a date window. It
// fails without an HTTP client, on a repeated account id, or on an API
// base URL that is not an absolute URL, or on an account whose API
// credentials the process did not load.
func NewLister(accounts []Account, opts docfetch.Options) (listing.Lister, error) {
	if opts.HTTP == nil {
		return nil, errors.New("sfax: the lister needs an HTTP client")
	}
	byID, err := providerdef.Index(accounts, func(a Account) (Account, error) {
		if err := a.requireAPISecrets(); err != nil {
			return a, err
		}
		if u, err := url.Parse(a.APIBaseURL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return a, fmt.Errorf("sfax: account %q API base URL %q is not an absolute http(s) URL", a.ID, a.APIBaseURL)
		}
		return a, nil
	})
	if err != nil {
		return nil, err
	}
	return &lister{accounts: byID, opts: opts}, nil
}

// List lists the faxes account received with a completion time in w.
// Every request carries StartDateUTC and EndDateUTC: called without them,
// Sfax answers what is new since a watermark it keeps per account, shared
// with every other user of the API, and moves it [doc]. They are whole
// seconds, so the request covers w rounded outwards. Every item Sfax
// returns is yielded, even one whose completion time reads outside w:
// which time Sfax's dates filter on is not documented [?], and a fax
// yielded by two windows is fed in once (the reconciler dedupes by event
// id), while one dropped by both would be lost.
//
// No request carries WatermarkId: Sfax documents it as the way to "revert
// back to a specific watermark id and start receiving faxes again from
// that point" [doc], so passing it may move that shared watermark. An
// answer that says HasMoreItems, or holds MaxItems items (it may be
// partial without saying so), is therefore discarded (none of its items
// is yielded) and the window is listed again as two halves split at a
// whole second in its middle, [From, mid) then [mid, To), recursively. A
// window of one second that still has more than one answer holds, or a
// window halved more than maxListDepth times, is an error rather than a
// loop. An answer isSuccess false is an error, never an empty list; HTTP
// errors are *docfetch.StatusError. No error, item or item query carries
// the token or the API key.
func (l *lister) List(ctx context.Context, account string, w listing.Window, yield func(listing.Item) error) error {
	acc, ok := l.accounts[account]
	if !ok {
		return fmt.Errorf("sfax account %q: %w", account, docfetch.ErrUnknownAccount)
	}
	switch {
	case w.To.Before(w.From):
		return fmt.Errorf("sfax listing window ends at %s, before it starts at %s", w.To, w.From)
	case !w.To.After(w.From):
		return nil // an empty window
	}
	return l.list(ctx, acc, account, w.From.UTC(), w.To.UTC(), 0, yield)
}

// list lists [from, to), a non-empty part of a listing's window, depth
// halvings down from it: one request if its answer holds everything, else
// its two halves.
func (l *lister) list(ctx context.Context, acc Account, account string, from, to time.Time, depth int, yield func(listing.Item) error) error {
	start, end := from.Truncate(time.Second), ceilSecond(to)
	window := fmt.Sprintf("from %s to %s", start.Format(genDTLayout), end.Format(genDTLayout))
	query := listQuery(start, end)
	p, err := l.page(ctx, acc, query)
	if err != nil {
		return fmt.Errorf("sfax listing of account %q %s: %w", account, window, err)
	}
	if p.more || len(p.items) >= MaxListItems {
		// The answer is partial (or full, so perhaps partial: HasMoreItems
		// may be missing): discard it and list both halves instead.
		switch {
		case end.Sub(start) <= time.Second:
			return fmt.Errorf("sfax listing of account %q %s: more than %d faxes completed within that second, "+
				"which cannot be listed without WatermarkId", account, window, MaxListItems)
		case depth >= maxListDepth:
			return fmt.Errorf("sfax listing of account %q %s: still more than %d faxes after halving the window %d times",
				account, window, MaxListItems, depth)
		}
		// start < mid < end, at least a second from each, so from < mid < to.
		mid := start.Add(end.Sub(start) / 2).Truncate(time.Second)
		if err := l.list(ctx, acc, account, from, mid, depth+1, yield); err != nil {
			return err
		}
		return l.list(ctx, acc, account, mid, to, depth+1, yield)
	}
	for _, body := range p.items {
		if err := yield(listedItem(body, query)); err != nil {
			return err
		}
	}
	return nil
}

// listQuery is the query of a listing request without its credentials:
// StartDateUTC, EndDateUTC (yyyy-MM-ddTHH:mm:ssZ [doc]) and MaxItems.
// Never WatermarkId, which Sfax documents as reverting the account's
// shared watermark [doc] (see List).
func listQuery(start, end time.Time) string {
	return "StartDateUTC=" + url.QueryEscape(start.Format(genDTLayout)) +
		"&EndDateUTC=" + url.QueryEscape(end.Format(genDTLayout)) +
		fmt.Sprintf("&MaxItems=%d", MaxListItems)
}

// listedItem is the listing.Item of one item of a page: its fax id and
// completion time as normalizeListed reads them (empty and zero when they
// do not read; the processor then rejects the item, visibly), and its
// bytes exactly as Sfax sent them.
func listedItem(body json.RawMessage, query string) listing.Item {
	item := listing.Item{Method: http.MethodGet, Path: ListPath, Query: query, Body: bytes.Clone(body)}
	if m, err := parseMembers(body); err == nil {
		item.FaxID = m.faxID(listedFaxID)
		if t := m.time("FaxDateIso", "FaxDateUtc"); t != nil {
			item.CompletedAt = *t
		}
	}
	return item
}

// errListingRefused is Sfax answering a listing without isSuccess true,
// as it answers its errors (with a 200).
var errListingRefused = errors.New("sfax refused the listing")

// listPage is one page of Sfax's listing.
type listPage struct {
	items []json.RawMessage
	more  bool // HasMoreItems
}

// page asks for one page of acc's listing with query and reads it.
func (l *lister) page(ctx context.Context, acc Account, query string) (listPage, error) {
	tok, err := EncryptToken(Token{Username: acc.Username, APIKey: acc.APIKey.Reveal(), GenDT: l.opts.Clock()()},
		[]byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
	if err != nil {
		return listPage{}, fmt.Errorf("sfax token: %w", err)
	}
	secrets := []string{tok, acc.APIKey.Reveal()}
	creds := url.Values{"token": {tok}, "ApiKey": {acc.APIKey.Reveal()}}
	u := docfetch.JoinURL(acc.APIBaseURL, ListPath) + "?" + creds.Encode() + "&" + query
	// Sfax answers JSON or XML [doc]; ask for JSON [?].
	resp, err := docfetch.Get(ctx, l.opts.HTTP, u, http.Header{"Accept": {"application/json"}}, l.opts.Clock()())
	if err != nil {
		return listPage{}, scrub(err, secrets)
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxListAnswer+1))
	if err != nil {
		return listPage{}, scrub(fmt.Errorf("reading the answer: %w", err), secrets)
	}
	if len(body) > maxListAnswer {
		return listPage{}, fmt.Errorf("the answer is larger than %d bytes", maxListAnswer)
	}
	p, err := parsePage(body, secrets)
	return p, scrub(err, secrets)
}

// parsePage reads a page of Sfax's listing: {"isSuccess","message",
// "FaxCount","LastWatermark","HasMoreItems","InboundFaxItems":[…]} [doc],
// members matched regardless of letter case, flags as booleans, numbers or
// strings ("false" in Sfax's own sample). isSuccess must be true: false
// (with a 200, as Sfax answers its errors) or missing is an error quoting
// Sfax's message, secrets cut out before it is shortened. A missing
// InboundFaxItems is no item.
func parsePage(body []byte, secrets []string) (listPage, error) {
	var a struct {
		IsSuccess       json.RawMessage   `json:"isSuccess"`
		Message         json.RawMessage   `json:"message"`
		HasMoreItems    json.RawMessage   `json:"HasMoreItems"`
		InboundFaxItems []json.RawMessage `json:"InboundFaxItems"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return listPage{}, fmt.Errorf("the answer is not an Sfax listing: %w", docfetch.ErrMalformed)
	}
	if success, ok := parseFlag(a.IsSuccess); !success || !ok {
		state := "false"
		switch {
		case len(a.IsSuccess) == 0:
			state = "missing"
		case !ok:
			state = "unreadable"
		}
		return listPage{}, fmt.Errorf("%w (isSuccess %s): %q", errListingRefused, state, message(a.Message, secrets))
	}
	p := listPage{items: a.InboundFaxItems}
	if len(a.HasMoreItems) > 0 && string(a.HasMoreItems) != "null" {
		more, ok := parseFlag(a.HasMoreItems)
		if !ok {
			return listPage{}, fmt.Errorf("the answer's HasMoreItems is not a flag: %w", docfetch.ErrMalformed)
		}
		p.more = more
	}
	return p, nil
}

// jsonText is a JSON string's value or a number's literal; "" otherwise.
func jsonText(v json.RawMessage) string {
	var s string
	if json.Unmarshal(v, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v, &n) == nil {
		return n.String()
	}
	return ""
}

// message is Sfax's message for an error, secrets cut out, then shortened.
func message(v json.RawMessage, secrets []string) string {
	s := redact(jsonText(v), secrets)
	if len(s) > maxListMessage {
		s = strings.ToValidUTF8(s[:maxListMessage], "") + "…"
	}
	return s
}

// ceilSecond is t rounded up to a whole second.
func ceilSecond(t time.Time) time.Time {
	if s := t.Truncate(time.Second); s.Before(t) {
		return s.Add(time.Second)
	}
	return t
}
