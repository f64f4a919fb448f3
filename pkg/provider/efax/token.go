package efax

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// tokenCache holds one account's API token. eFax invalidates an app's
// previous token when it issues a new one [doc], so every caller shares
// this one and only one refresh happens at a time.
type tokenCache struct {
	mu      sync.Mutex
	cc      clientcredentials.Config
	opts    docfetch.Options
	account string
	tok     *oauth2.Token
}

func newTokenCache(a Account, opts docfetch.Options) *tokenCache {
	return &tokenCache{
		account: a.ID,
		opts:    opts,
		cc: clientcredentials.Config{
			ClientID:     a.AppID,
			ClientSecret: a.APIKey.Reveal(),
			TokenURL:     docfetch.JoinURL(a.APIBaseURL, "/tokens"),
			AuthStyle:    oauth2.AuthStyleInHeader, // Basic app_id:api_key [doc]
		},
	}
}

// token returns the cached access token, first obtaining one (POST /tokens,
// grant_type=client_credentials) when there is none or it has expired.
// Callers wait for a refresh in progress rather than start their own.
func (c *tokenCache) token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.Valid() {
		return c.tok.AccessToken, nil
	}
	tok, err := c.cc.Token(context.WithValue(ctx, oauth2.HTTPClient, c.opts.HTTP))
	if err != nil {
		return "", tokenError(err)
	}
	c.tok = tok
	c.opts.TokenRefreshed(fax.EFax, c.account)
	return tok.AccessToken, nil
}

// invalidate forgets stale, the token a request was refused with, unless
// another caller already replaced it.
func (c *tokenCache) invalidate(stale string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.AccessToken == stale {
		c.tok = nil
	}
}

// tokenError keeps the HTTP status of a refused token request, so that
// the downloader classifies it like any answer (401: permanent, 5xx:
// transient).
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		se := &docfetch.StatusError{Code: re.Response.StatusCode, Message: "token request refused"}
		return fmt.Errorf("efax token: %w", se)
	}
	return fmt.Errorf("efax token: %w", err)
}
