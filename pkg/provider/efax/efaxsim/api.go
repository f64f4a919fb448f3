package efaxsim

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
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// tokens are the API tokens issued, one valid per app: a new token
// invalidates the app's previous one [doc].
type tokens struct {
	ttl     time.Duration
	mu      sync.Mutex
	current map[string]string // app id → its token
	tokens  map[string]token
}

type token struct {
	account, app string
	expires      time.Time
}

// issue returns a new token of acc's app, invalidating the previous one.
func (t *tokens) issue(acc efax.Account, now time.Time) string {
	var b [24]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	tok := hex.EncodeToString(b[:])
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.tokens == nil {
		t.current, t.tokens = map[string]string{}, map[string]token{}
	}
	delete(t.tokens, t.current[acc.AppID])
	t.current[acc.AppID] = tok
	t.tokens[tok] = token{account: acc.ID, app: acc.AppID, expires: now.Add(t.ttl)}
	return tok
}

// account returns the account of a valid, unexpired token.
func (t *tokens) account(tok string, now time.Time) (string, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.tokens[tok]
	return e.account, ok && now.Before(e.expires)
}

// Routes registers eFax's token endpoint, fax image download and listing
// of received faxes; the tokens it issues are this API's own.
func (simulation) Routes(mux *http.ServeMux, api *sim.API) {
	h := &handlers{api: api, tokens: &tokens{ttl: api.Options().EFaxTokenTTL}}
	mux.HandleFunc("POST /tokens", h.token)
	mux.HandleFunc("GET /faxes/{faxId}/image", h.image)
	mux.HandleFunc("GET "+listPath, h.received)
}

// handlers serve one simulator's eFax API.
type handlers struct {
	api    *sim.API
	tokens *tokens
}

// token serves POST /tokens: OAuth2 client credentials, Basic auth
// app_id:api_key and grant_type=client_credentials [doc]. Credentials are
// compared as sent and URL-decoded (RFC 6749 §2.3.1, which golang.org/x/oauth2
// follows, form-encodes them).
func (h *handlers) token(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		h.api.Count(fax.EFax, func(t *sim.DocumentTotals) { t.BadRequests++ })
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "unsupported_grant_type"})
		return
	}
	for _, acc := range config.AccountsOf[efax.Account](h.api.Accounts()) {
		if ok && matchesEncoded(user, acc.AppID) && matchesEncoded(pass, acc.APIKey.Reveal()) {
			tok := h.tokens.issue(acc, time.Now())
			h.api.Count(fax.EFax, func(t *sim.DocumentTotals) { t.Tokens++ })
			sim.WriteJSON(w, http.StatusOK, map[string]any{
				"access_token": tok, "token_type": "Bearer", "expires_in": int(h.tokens.ttl.Seconds()),
			})
			return
		}
	}
	h.api.Count(fax.EFax, func(t *sim.DocumentTotals) { t.Unauthorized++ })
	sim.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
}

// matchesEncoded compares got, as sent or URL-decoded, with want.
func matchesEncoded(got, want string) bool {
	if dec, err := url.QueryUnescape(got); err == nil && sim.EqualSecret(dec, want) {
		return true
	}
	return sim.EqualSecret(got, want)
}

// authorized returns the account of the request's bearer token, the
// app's current one; otherwise it answers 401, counted, and reports false.
func (h *handlers) authorized(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	id, ok := h.tokens.account(tok, time.Now())
	if !ok {
		h.api.Count(fax.EFax, func(t *sim.DocumentTotals) { t.Unauthorized++ })
		sim.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
	}
	return id, ok
}

// imageAnswer is eFax's answer carrying a fax image [lib].
type imageAnswer struct {
	FaxID    string `json:"fax_id"`
	FileName string `json:"file_name"`
	Image    string `json:"image"`
}

// answer answers eFax image requests; a fax not available is a 404.
var answer = sim.DocumentAnswer{
	NotFound: func(w http.ResponseWriter) {
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"message": "fax image not found"})
	},
	Wrap: func(faxID string, doc sim.Document, file []byte) (string, []byte) {
		body, _ := json.Marshal(imageAnswer{ // strings only: cannot fail
			FaxID: faxID, FileName: faxID + "." + string(doc.Format), Image: base64.StdEncoding.EncodeToString(file),
		})
		return "application/json", body
	},
}

// image serves GET /faxes/{faxId}/image?desired_format=PDF|TIFF with
// Authorization: Bearer (the app's current token) and the user-id header
// every call carries [doc]. Which users an app has is not known to a
// simulator serving another instance's faxes, so any user id is accepted;
// a missing one is a 400. No desired_format means PDF [?].
func (h *handlers) image(w http.ResponseWriter, r *http.Request) {
	id, ok := h.authorized(w, r)
	if !ok {
		return
	}
	if strings.TrimSpace(r.Header.Get("user-id")) == "" {
		h.api.Count(fax.EFax, func(t *sim.DocumentTotals) { t.BadRequests++ })
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"message": "user-id header is required"})
		return
	}
	f := docfetch.PDF
	if want := strings.ToUpper(r.URL.Query().Get("desired_format")); want == "TIFF" || want == "TIF" {
		f = docfetch.TIFF
	}
	h.api.ServeDocument(w, r, fax.EFax, id, r.PathValue("faxId"), f, answer)
}
