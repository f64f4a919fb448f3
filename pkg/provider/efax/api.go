package efax

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// apiClient makes one account's authorized calls to the eFax API, for the
// document client and the lister alike: with its own options (HTTP
// client, clock, refresh hook) and the token its app shares with every
// other client of the process (sharedTokenCache).
type apiClient struct {
	cfg    Account
	opts   docfetch.Options
	tokens *tokenCache
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
		return &apiClient{cfg: a, opts: opts, tokens: sharedTokenCache(a)}, nil
	})
}

// get sends a GET of u with header (user-id, paging…) and Authorization:
// Bearer. A 401 means the cached token was replaced or expired: it is
// refreshed once and the request repeated; a second 401 is the answer. A
// *docfetch.StatusError never quotes the token, should the provider echo
// it. The caller closes the body of the answer.
func (c *apiClient) get(ctx context.Context, u string, header http.Header) (*http.Response, error) {
	for try := 0; ; try++ {
		tok, err := c.tokens.token(ctx, c.opts, c.cfg.ID)
		if err != nil {
			return nil, err
		}
		h := header.Clone()
		if h == nil {
			h = http.Header{}
		}
		h.Set("Authorization", "Bearer "+tok)
		resp, err := docfetch.Get(ctx, c.opts.HTTP, u, h, c.opts.Clock()())
		var se *docfetch.StatusError
		if !errors.As(err, &se) {
			return resp, err
		}
		if try == 0 && se.Code == http.StatusUnauthorized {
			c.tokens.invalidate(tok)
			continue
		}
		// The answer's start goes to logs: never with the token in it.
		se.Message = strings.ReplaceAll(se.Message, tok, "[token]")
		return nil, err
	}
}
