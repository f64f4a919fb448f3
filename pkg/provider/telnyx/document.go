package telnyx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// documentClient downloads received faxes: the webhook's media link, or a
// fresh one from the API once it has expired.
type documentClient struct {
	accounts map[string]*apiClient
}

// NewDocumentClient returns the docfetch.Client of the Telnyx accounts.
// It fails on a repeated account id, an API base URL that is not
// absolute, or an API key not loaded.
func NewDocumentClient(accounts []Account, opts docfetch.Options) (docfetch.Client, error) {
	clients, err := newAPIClients(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &documentClient{accounts: clients}, nil
}

// Fetch downloads the fax's PDF [doc]. media_url, when the event has one
// on a trusted host (trustedMediaURL), is a pre-signed link valid for
// minutes [doc: 10 minutes]: it is fetched as is, without the API key
// (the link carries its own signature; the key must never reach the
// media host). When it has expired — S3 answers 403 "Request has
// expired" [?: 400, 403 and 410 are all taken as expired; a 404 is a
// document not there yet, returned as such] — or the event has none, a fresh
// link is asked of the API, GET /v2/faxes/{fax_id} (data.media_url
// [lib]), and fetched. A fax without a media_url yet is
// docfetch.ErrRefused (not ready: tried again later); a fresh link on an
// untrusted host is untrusted_resource_url. The answer is the raw PDF.
func (c *documentClient) Fetch(ctx context.Context, req docfetch.Request) (io.ReadCloser, error) {
	ac, ok := c.accounts[req.Event.Account]
	if !ok {
		return nil, fmt.Errorf("telnyx account %q: %w", req.Event.Account, docfetch.ErrUnknownAccount)
	}
	if raw := req.ProviderString("media_url"); raw != "" {
		if u, err := trustedMediaURL(ac.cfg, raw); err == nil {
			body, err := ac.media(ctx, u.String())
			if !expired(err) {
				return body, err
			}
		}
	}
	u, err := ac.freshMediaURL(ctx, req.Event.FaxID)
	if err != nil {
		return nil, err
	}
	return ac.media(ctx, u.String())
}

// media gets a pre-signed media link, without credentials.
func (c *apiClient) media(ctx context.Context, u string) (io.ReadCloser, error) {
	resp, err := docfetch.Get(ctx, c.opts.HTTP, u, nil, c.opts.Clock()())
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// expired reports whether err is a media host's refusal of a link that
// has expired (or is otherwise no longer good).
func expired(err error) bool {
	var se *docfetch.StatusError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code {
	case http.StatusBadRequest, http.StatusForbidden, http.StatusGone:
		return true
	}
	// A 404 is a document not there (yet): the downloader tries again
	// later, with this link while it lasts, then with a fresh one.
	return false
}

// freshMediaURL asks the API for the fax's current media link.
func (c *apiClient) freshMediaURL(ctx context.Context, faxID string) (*url.URL, error) {
	var answer struct {
		Data struct {
			MediaURL *string `json:"media_url"`
			Status   string  `json:"status"`
		} `json:"data"`
	}
	u := docfetch.JoinURL(c.cfg.APIBaseURL, faxesPath+"/"+url.PathEscape(faxID))
	if err := c.getJSON(ctx, u, &answer); err != nil {
		return nil, fmt.Errorf("telnyx account %q: a fresh media link: %w", c.cfg.ID, err)
	}
	if answer.Data.MediaURL == nil || strings.TrimSpace(*answer.Data.MediaURL) == "" {
		return nil, fmt.Errorf("telnyx account %q: the fax (status %q) has no media_url yet: %w", c.cfg.ID, answer.Data.Status, docfetch.ErrRefused)
	}
	return trustedMediaURL(c.cfg, *answer.Data.MediaURL)
}

// trustedMediaURL parses raw, a media link, and accepts it only on the
// account's API origin or one of its media_base_urls, over https (http
// only where that origin is http), without user info (fax.TrustedURL);
// otherwise untrusted_resource_url. The downloader's HTTP client allows
// the same origins and no other (config.Accounts.APIBaseURLs).
func trustedMediaURL(acc Account, raw string) (*url.URL, error) {
	u, err := fax.TrustedURL(raw, acc.APIBaseURL)
	if err == nil {
		return u, nil
	}
	for _, base := range acc.MediaBaseURLs {
		if u, merr := fax.TrustedURL(raw, base); merr == nil {
			return u, nil
		}
	}
	return nil, fmt.Errorf("telnyx media_url: not on the API host nor on a media_base_urls host: %w", err)
}
