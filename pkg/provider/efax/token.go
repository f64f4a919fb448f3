package efax

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"weak"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// tokenCache holds the API token of one eFax app. eFax invalidates an
// app's previous token when it issues a new one [doc], so every client of
// the process calling as the app — the downloader's document client and
// the reconciler's lister, which `faxpipe all` runs side by side — shares
// one (sharedTokenCache), and only one refresh happens at a time. Only
// the token is shared: each client refreshes it with its own HTTP client
// and reports the refresh to its own hook.
type tokenCache struct {
	mu  sync.Mutex
	cc  clientcredentials.Config
	tok *oauth2.Token
}

// tokenKey names an app's token cache: the token URL, the app id and the
// SHA-256 of the API key, so that the registry never holds the key itself
// and a changed key gets a cache of its own.
type tokenKey struct {
	url, app string
	key      [sha256.Size]byte
}

// tokenCaches are the process's token caches by key, held weakly: a cache
// lives as long as a client uses it, and one built later for the same app
// starts afresh.
var tokenCaches = struct {
	sync.Mutex
	m map[tokenKey]weak.Pointer[tokenCache]
}{m: map[tokenKey]weak.Pointer[tokenCache]{}}

// sharedTokenCache returns the process's token cache of a's app, making
// it when no client holds one: NewDocumentClient and NewLister get the
// same cache for the same account.
func sharedTokenCache(a Account) *tokenCache {
	cc := credentials(a)
	k := keyOf(cc)
	tokenCaches.Lock()
	defer tokenCaches.Unlock()
	if c := tokenCaches.m[k].Value(); c != nil {
		return c
	}
	c := &tokenCache{cc: cc}
	wp := weak.Make(c)
	tokenCaches.m[k] = wp
	runtime.AddCleanup(c, func(k tokenKey) {
		tokenCaches.Lock()
		defer tokenCaches.Unlock()
		if tokenCaches.m[k] == wp { // not already replaced by a newer cache
			delete(tokenCaches.m, k)
		}
	}, k)
	return c
}

// credentials are a's client credentials: POST {api_base_url}/tokens with
// Basic auth app_id:api_key [doc].
func credentials(a Account) clientcredentials.Config {
	return clientcredentials.Config{
		ClientID:     a.AppID,
		ClientSecret: a.APIKey.Reveal(),
		TokenURL:     docfetch.JoinURL(a.APIBaseURL, "/tokens"),
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
}

// keyOf is the key of cc's token cache.
func keyOf(cc clientcredentials.Config) tokenKey {
	return tokenKey{url: cc.TokenURL, app: cc.ClientID, key: sha256.Sum256([]byte(cc.ClientSecret))}
}

// token returns the cached access token, first obtaining one (POST
// /tokens, grant_type=client_credentials, with opts.HTTP) when there is
// none or it has expired; a new token is reported as account's. Callers
// wait for a refresh in progress rather than start their own.
func (c *tokenCache) token(ctx context.Context, opts docfetch.Options, account string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok.Valid() {
		return c.tok.AccessToken, nil
	}
	return c.obtain(ctx, opts, account)
}

// refresh obtains a new access token whether or not the cached one is
// still valid, and caches it: the token request is itself the check of
// the app's credentials (CheckCredentials).
func (c *tokenCache) refresh(ctx context.Context, opts docfetch.Options, account string) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.obtain(ctx, opts, account)
}

// obtain requests a new token and caches it; c.mu is held.
func (c *tokenCache) obtain(ctx context.Context, opts docfetch.Options, account string) (string, error) {
	tok, err := c.cc.Token(context.WithValue(ctx, oauth2.HTTPClient, opts.HTTP))
	if err != nil {
		return "", tokenError(err)
	}
	c.tok = tok
	opts.TokenRefreshed(fax.EFax, account)
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
