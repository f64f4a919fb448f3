package efax

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// documentClient downloads received faxes through the eFax Enterprise API,
// with the token of each account's app shared by every caller (see
// sharedTokenCache).
type documentClient struct {
	accounts map[string]*apiClient
}

// NewDocumentClient returns the docfetch.Client of the eFax accounts. It
// fails on a repeated account id or an API base URL that is not absolute.
func NewDocumentClient(accounts []Account, opts docfetch.Options) (docfetch.Client, error) {
	clients, err := newAPIClients(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &documentClient{accounts: clients}, nil
}

// Fetch downloads the fax image: the event's resource_url when it points
// at the account's API host (fax.TrustedURL), else
// {api_base_url}/faxes/{fax_id}/image, with desired_format PDF or TIFF.
// eFax answers JSON {"fax_id","file_name","image":"<base64>"} [lib]; the
// image is decoded as it streams. A 401 means the cached token was
// replaced or expired: it is refreshed once and the request repeated.
func (c *documentClient) Fetch(ctx context.Context, req docfetch.Request) (io.ReadCloser, error) {
	acc, ok := c.accounts[req.Event.Account]
	if !ok {
		return nil, fmt.Errorf("efax account %q: %w", req.Event.Account, docfetch.ErrUnknownAccount)
	}
	var h http.Header
	if userID := req.ProviderString("user_id"); userID != "" {
		h = http.Header{"User-Id": {userID}}
	}
	resp, err := acc.get(ctx, imageURL(acc.cfg, req), h) //nolint:bodyclose // the returned ReadCloser closes it
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{docfetch.DecodeDocument(resp.Body), resp.Body}, nil
}

// imageURL is where the image of req is fetched from.
func imageURL(acc Account, req docfetch.Request) string {
	format := "PDF"
	if req.Format == docfetch.TIFF {
		format = "TIFF"
	}
	if raw := req.ProviderString("resource_url"); raw != "" {
		if u, err := fax.TrustedURL(raw, acc.APIBaseURL); err == nil {
			q := u.Query()
			if q.Get("desired_format") == "" {
				q.Set("desired_format", format)
			}
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return docfetch.JoinURL(acc.APIBaseURL, "/faxes/"+url.PathEscape(req.Event.FaxID)+"/image") +
		"?desired_format=" + format
}
