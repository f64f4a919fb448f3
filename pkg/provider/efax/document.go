package efax

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// documentClient downloads received faxes through the eFax Enterprise API,
// with one cached token per account shared by every caller.
type documentClient struct {
	accounts map[string]*documentAccount
	opts     docfetch.Options
}

type documentAccount struct {
	cfg    Account
	tokens *tokenCache
}

// NewDocumentClient returns the docfetch.Client of the eFax accounts. It
// fails on a repeated account id or an API base URL that is not absolute.
func NewDocumentClient(accounts []Account, opts docfetch.Options) (docfetch.Client, error) {
	c := &documentClient{accounts: map[string]*documentAccount{}, opts: opts}
	for _, a := range accounts {
		if _, dup := c.accounts[a.ID]; dup {
			return nil, fmt.Errorf("efax: account %q configured twice", a.ID)
		}
		if u, err := url.Parse(a.APIBaseURL); err != nil || u.Host == "" {
			return nil, fmt.Errorf("efax: account %q API base URL %q is not an absolute URL", a.ID, a.APIBaseURL)
		}
		c.accounts[a.ID] = &documentAccount{cfg: a, tokens: newTokenCache(a, opts)}
	}
	return c, nil
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
	resp, err := c.get(ctx, acc, imageURL(acc.cfg, req), providerString(req.Event, "user_id")) //nolint:bodyclose // the returned ReadCloser closes it
	if err != nil {
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{docfetch.DecodeDocument(resp.Body), resp.Body}, nil
}

// get sends an authorized GET, refreshing the token once on a 401.
func (c *documentClient) get(ctx context.Context, acc *documentAccount, u, userID string) (*http.Response, error) {
	for try := 0; ; try++ {
		tok, err := acc.tokens.token(ctx)
		if err != nil {
			return nil, err
		}
		h := http.Header{"Authorization": {"Bearer " + tok}}
		if userID != "" {
			h.Set("user-id", userID)
		}
		resp, err := docfetch.Get(ctx, c.opts.HTTP, u, h, c.opts.Clock()())
		var se *docfetch.StatusError
		if try == 0 && errors.As(err, &se) && se.Code == http.StatusUnauthorized {
			acc.tokens.invalidate(tok)
			continue
		}
		return resp, err
	}
}

// imageURL is where the image of req is fetched from.
func imageURL(acc Account, req docfetch.Request) string {
	format := "PDF"
	if req.Format == docfetch.TIFF {
		format = "TIFF"
	}
	if raw := providerString(req.Event, "resource_url"); raw != "" {
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

// providerString is provider field name of ev as a string; "" when absent
// or not a string.
func providerString(ev fax.Event, name string) string {
	var s string
	if raw, ok := ev.ProviderFields[name]; ok && json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return ""
}
