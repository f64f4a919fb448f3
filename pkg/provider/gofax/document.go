package gofax

import (
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// documentClient downloads received faxes through the GoFax REST API.
type documentClient struct {
	accounts map[string]Account
	opts     docfetch.Options
}

// NewDocumentClient returns the docfetch.Client of the GoFax accounts. It
// fails on a repeated account id, or on an account whose API token the
// process did not load.
func NewDocumentClient(accounts []Account, opts docfetch.Options) (docfetch.Client, error) {
	byID, err := providerdef.Index(accounts, func(a Account) (Account, error) { return a, a.requireAPISecrets() })
	if err != nil {
		return nil, err
	}
	return &documentClient{accounts: byID, opts: opts}, nil
}

// Fetch downloads GET {api_base_url}/v1.0/ReceiveFax/{faxId}/Document?token=…
// GoFax answers the file base64-encoded; the JSON member's name is not
// confirmed [?], so a JSON object with any of docfetch.DocumentMembers, a
// JSON string or bare base64 are all read (docfetch.DecodeDocument). The
// format is GoFax's; it offers no choice.
func (c *documentClient) Fetch(ctx context.Context, req docfetch.Request) (io.ReadCloser, error) {
	acc, ok := c.accounts[req.Event.Account]
	if !ok {
		return nil, fmt.Errorf("gofax account %q: %w", req.Event.Account, docfetch.ErrUnknownAccount)
	}
	resp, err := docfetch.Get(ctx, c.opts.HTTP, documentURL(acc, req.Event.FaxID), nil, c.opts.Clock()()) //nolint:bodyclose // the returned ReadCloser closes it
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{docfetch.DecodeDocument(resp.Body), resp.Body}, nil
}

// documentURL is where the document of acc's fax faxID is fetched from,
// with acc's API token.
func documentURL(acc Account, faxID string) string {
	return docfetch.JoinURL(acc.APIBaseURL, "/v1.0/ReceiveFax/"+url.PathEscape(faxID)+"/Document") +
		"?" + url.Values{"token": {acc.APIToken.Reveal()}}.Encode()
}
