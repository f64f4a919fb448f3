package sim

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
)

// efaxTokens are the API tokens issued, one valid per app: a new token
// invalidates the app's previous one [doc].
type efaxTokens struct {
	ttl     time.Duration
	mu      sync.Mutex
	current map[string]string // app id → its token
	tokens  map[string]efaxToken
}

type efaxToken struct {
	account, app string
	expires      time.Time
}

// issue returns a new token of acc's app, invalidating the previous one.
func (t *efaxTokens) issue(acc efax.Account, now time.Time) string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	tok := hex.EncodeToString(b[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tokens == nil {
		t.current, t.tokens = map[string]string{}, map[string]efaxToken{}
	}
	delete(t.tokens, t.current[acc.AppID])
	t.current[acc.AppID] = tok
	t.tokens[tok] = efaxToken{account: acc.ID, app: acc.AppID, expires: now.Add(t.ttl)}
	return tok
}

// account returns the account of a valid, unexpired token.
func (t *efaxTokens) account(tok string, now time.Time) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.tokens[tok]
	return e.account, ok && now.Before(e.expires)
}

// efaxToken serves POST /tokens: OAuth2 client credentials, Basic auth
// app_id:api_key and grant_type=client_credentials [doc]. Credentials are
// compared as sent and URL-decoded (RFC 6749 §2.3.1, which golang.org/x/oauth2
// follows, form-encodes them).
func (a *api) efaxToken(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		a.stats.update(fax.EFax, func(t *DocumentTotals) { t.BadRequests++ })
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	for _, acc := range config.AccountsOf[efax.Account](a.s.Accounts()) {
		if ok && matchesEncoded(user, acc.AppID) && matchesEncoded(pass, acc.APIKey.Reveal()) {
			tok := a.tokens.issue(acc, time.Now())
			a.stats.update(fax.EFax, func(t *DocumentTotals) { t.Tokens++ })
			writeJSON(w, http.StatusOK, map[string]any{
				"access_token": tok, "token_type": "Bearer", "expires_in": int(a.tokens.ttl.Seconds()),
			})
			return
		}
	}
	a.stats.update(fax.EFax, func(t *DocumentTotals) { t.Unauthorized++ })
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
}

// matchesEncoded compares got, as sent or URL-decoded, with want.
func matchesEncoded(got, want string) bool {
	if dec, err := url.QueryUnescape(got); err == nil && equalSecret(dec, want) {
		return true
	}
	return equalSecret(got, want)
}

// efaxImageAnswer is eFax's answer carrying a fax image [lib].
type efaxImageAnswer struct {
	FaxID    string `json:"fax_id"`
	FileName string `json:"file_name"`
	Image    string `json:"image"`
}

// efaxAnswer answers eFax image requests; a fax not available is a 404.
var efaxAnswer = docAnswer{
	notFound: func(w http.ResponseWriter) {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "fax image not found"})
	},
	wrap: func(k docKey, r rendered) (string, []byte) {
		body, _ := json.Marshal(efaxImageAnswer{ // strings only: cannot fail
			FaxID: k.faxID, FileName: k.faxID + "." + string(r.doc.Format), Image: base64.StdEncoding.EncodeToString(r.body),
		})
		return "application/json", body
	},
}

// efaxImage serves GET /faxes/{faxId}/image?desired_format=PDF|TIFF with
// Authorization: Bearer (the app's current token) and the user-id header
// every call carries [doc]. Which users an app has is not known to a
// simulator serving another instance's faxes, so any user id is accepted;
// a missing one is a 400. No desired_format means PDF [?].
func (a *api) efaxImage(w http.ResponseWriter, r *http.Request) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	id, ok := a.tokens.account(tok, time.Now())
	if !ok {
		a.stats.update(fax.EFax, func(t *DocumentTotals) { t.Unauthorized++ })
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	if strings.TrimSpace(r.Header.Get("user-id")) == "" {
		a.stats.update(fax.EFax, func(t *DocumentTotals) { t.BadRequests++ })
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "user-id header is required"})
		return
	}
	f := docfetch.PDF
	if want := strings.ToUpper(r.URL.Query().Get("desired_format")); want == "TIFF" || want == "TIF" {
		f = docfetch.TIFF
	}
	a.serveDocument(w, r, docKey{fax.EFax, id, r.PathValue("faxId")}, f, efaxAnswer)
}
