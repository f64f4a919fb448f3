package provider

import (
	"context"
	"fmt"
	"io"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// DocumentClients is a docfetch.Client for every provider: it hands each
// request to its provider's client.
type DocumentClients map[fax.Provider]docfetch.Client

// NewDocumentClients builds the document client of every provider in
// Registry for the configured accounts. An error names the provider whose
// client failed.
func NewDocumentClients(accounts config.Accounts, opts docfetch.Options) (DocumentClients, error) {
	out := make(DocumentClients, len(Registry))
	for p, e := range Registry {
		c, err := e.NewDocumentClient(accounts, opts)
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

// NewDocumentClient is NewDocumentClients as a docfetch.Factory, for the
// downloader.
func NewDocumentClient(accounts config.Accounts, opts docfetch.Options) (docfetch.Client, error) {
	cs, err := NewDocumentClients(accounts, opts)
	if err != nil {
		return nil, err
	}
	return cs, nil
}
