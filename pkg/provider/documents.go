package provider

import (
	"context"
	"fmt"
	"io"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// DocumentFactories lists how each provider's documents are fetched, one
// line each, like Registry.
var DocumentFactories = map[fax.Provider]docfetch.Factory{
	fax.Sfax:  sfax.NewDocumentClient,
	fax.GoFax: gofax.NewDocumentClient,
	fax.EFax:  efax.NewDocumentClient,
}

// DocumentClients is a docfetch.Client for every provider: it hands each
// request to its provider's client.
type DocumentClients map[fax.Provider]docfetch.Client

// NewDocumentClients builds the document client of every provider in
// DocumentFactories for the configured accounts. An error names the
// provider whose client failed.
func NewDocumentClients(accounts config.Accounts, opts docfetch.Options) (DocumentClients, error) {
	out := make(DocumentClients, len(DocumentFactories))
	for p, f := range DocumentFactories {
		c, err := f(accounts, opts)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", p, err)
		}
		out[p] = c
	}
	return out, nil
}

// Fetch fetches req's document with its provider's client (see
// docfetch.Client). A provider without one is docfetch.ErrUnknownAccount.
func (cs DocumentClients) Fetch(ctx context.Context, req docfetch.Request) (io.ReadCloser, error) {
	c, ok := cs[req.Event.Provider]
	if !ok {
		return nil, fmt.Errorf("provider %q has no document client: %w", req.Event.Provider, docfetch.ErrUnknownAccount)
	}
	return c.Fetch(ctx, req)
}

// APIBaseURLs lists the API base URL of every configured account: the only
// places the downloader may send a request.
func APIBaseURLs(a config.Accounts) []string {
	var out []string
	for _, s := range a.Sfax {
		out = append(out, s.APIBaseURL)
	}
	for _, g := range a.GoFax {
		out = append(out, g.APIBaseURL)
	}
	for _, e := range a.EFax {
		out = append(out, e.APIBaseURL)
	}
	return out
}
