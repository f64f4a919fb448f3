package telnyx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// faxesPath is the faxes resource of the API v2 [doc]: GET lists,
// GET {faxesPath}/{id} shows one.
const faxesPath = "/v2/faxes"

// maxAPIAnswer bounds how much of one JSON answer of the API is read.
const maxAPIAnswer = 16 << 20

// apiClient makes one account's calls to the Telnyx API: Authorization:
// Bearer with the account's API key [doc], for fresh media links,
// listings and the credential check.
type apiClient struct {
	cfg  Account
	opts docfetch.Options
}

// newAPIClients returns the API client of each account, by id. It fails
// on a repeated account id, an API base URL that is not absolute, or an
// account whose API key the process did not load.
func newAPIClients(accounts []Account, opts docfetch.Options) (map[string]*apiClient, error) {
	return providerdef.Index(accounts, func(a Account) (*apiClient, error) {
		if err := a.requireAPISecrets(); err != nil {
			return nil, err
		}
		if err := providerdef.AbsoluteAPIBaseURL(&a); err != nil {
			return nil, err
		}
		return &apiClient{cfg: a, opts: opts}, nil
	})
}

// get sends an authorized GET of u. A *docfetch.StatusError never quotes
// the API key, should the API echo it. The caller closes the answer's
// body.
func (c *apiClient) get(ctx context.Context, u string) (*http.Response, error) {
	key := c.cfg.APIKey.Reveal()
	h := http.Header{"Authorization": {"Bearer " + key}, "Accept": {"application/json"}}
	resp, err := docfetch.Get(ctx, c.opts.HTTP, u, h, c.opts.Clock()())
	var se *docfetch.StatusError
	if errors.As(err, &se) && key != "" {
		se.Message = strings.ReplaceAll(se.Message, key, "[api key]")
	}
	return resp, err
}

// getJSON gets u and decodes its answer, at most maxAPIAnswer bytes, into
// v; an answer that is too large or does not decode wraps
// docfetch.ErrMalformed.
func (c *apiClient) getJSON(ctx context.Context, u string, v any) error {
	resp, err := c.get(ctx, u)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAPIAnswer+1))
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if len(body) > maxAPIAnswer {
		return fmt.Errorf("answer larger than %d bytes: %w", maxAPIAnswer, docfetch.ErrMalformed)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("answer is not the JSON expected: %w", docfetch.ErrMalformed)
	}
	return nil
}

// Clients are the API clients of the Telnyx accounts, by account id: what
// `faxpipe doctor` checks credentials with.
type Clients struct {
	accounts map[string]*apiClient
}

// NewCredentialChecker returns the clients of accounts, which check each
// account's API key (CheckCredentials) with opts's HTTP client. It fails
// as the document client does: a repeated account id, an API base URL
// that is not absolute, an API key not loaded.
func NewCredentialChecker(accounts []Account, opts docfetch.Options) (docfetch.CredentialChecker, error) {
	cs, err := newAPIClients(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &Clients{accounts: cs}, nil
}

// ErrUnauthorized is an API key Telnyx refuses (401 or 403): the
// providers' docfetch.ErrUnauthorized.
var ErrUnauthorized = docfetch.ErrUnauthorized

// CheckCredentials makes the cheapest authorized call of account — GET
// /v2/faxes?page[size]=1, one fax at most — and reports whether Telnyx
// takes its API key: nil, ErrUnauthorized (wrapped, with the HTTP
// status) for a key refused, docfetch.ErrUnknownAccount for an account
// not configured, or the call's error (network, other statuses). No
// error quotes the key.
func (c *Clients) CheckCredentials(ctx context.Context, account string) error {
	ac, ok := c.accounts[account]
	if !ok {
		return fmt.Errorf("telnyx account %q: %w", account, docfetch.ErrUnknownAccount)
	}
	var page listPage
	err := ac.getJSON(ctx, docfetch.JoinURL(ac.cfg.APIBaseURL, faxesPath)+"?"+url.Values{"page[size]": {"1"}}.Encode(), &page)
	var se *docfetch.StatusError
	if errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden) {
		return fmt.Errorf("%w: telnyx account %q: HTTP %d (unauthorized)", ErrUnauthorized, account, se.Code)
	}
	if err != nil {
		return fmt.Errorf("telnyx account %q: %w", account, err)
	}
	return nil
}
