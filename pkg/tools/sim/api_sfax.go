package sim

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// sfaxResult is Sfax's JSON answer when there is no document [lib].
type sfaxResult struct {
	IsSuccess bool   `json:"isSuccess"`
	Message   string `json:"message"`
}

// sfaxAnswer answers Sfax document requests: the raw file, and errors as
// JSON {"isSuccess":false} — with a 200 for a fax not available [lib].
var sfaxAnswer = docAnswer{
	notFound: func(w http.ResponseWriter) {
		writeJSON(w, http.StatusOK, sfaxResult{Message: "Fax not found or not yet available"})
	},
	wrap: func(_ docKey, r rendered) (string, []byte) { return r.doc.MediaType, r.body },
}

// sfaxDocument serves GET /api/Download{Inbound,Outbound}FaxAs{Pdf,Tif}
// ?token=…&ApiKey=…&FaxId=…: the token must be fresh (generated within
// the account's token window of now, 15 minutes by default [doc]) and name
// the account whose API key is ApiKey.
func (a *api) sfaxDocument(f docfetch.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		acc, ok := a.sfaxAccount(q.Get("token"), q.Get("ApiKey"), time.Now())
		if !ok {
			a.stats.update(fax.Sfax, func(t *DocumentTotals) { t.Unauthorized++ })
			writeJSON(w, http.StatusUnauthorized, sfaxResult{Message: "Invalid token or API key"})
			return
		}
		faxID := q.Get("FaxId")
		if faxID == "" {
			a.stats.update(fax.Sfax, func(t *DocumentTotals) { t.BadRequests++ })
			writeJSON(w, http.StatusBadRequest, sfaxResult{Message: "FaxId is required"})
			return
		}
		a.serveDocument(w, r, docKey{fax.Sfax, acc.ID, faxID}, f, sfaxAnswer)
	}
}

// sfaxAccount finds the account whose API key is apiKey and whose
// credentials token was generated with, fresh at now.
func (a *api) sfaxAccount(token, apiKey string, now time.Time) (sfax.Account, bool) {
	for _, acc := range config.AccountsOf[sfax.Account](a.s.Accounts()) {
		if !equalSecret(apiKey, acc.APIKey.Reveal()) {
			continue
		}
		t, err := sfax.DecryptToken(token, []byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
		if err != nil || !equalSecret(t.Username, acc.Username) || !equalSecret(t.APIKey, acc.APIKey.Reveal()) {
			continue
		}
		window := acc.TokenWindow
		if window <= 0 {
			window = sfax.DefaultTokenWindow
		}
		if age := now.Sub(t.GenDT); age <= window && age >= -window {
			return acc, true
		}
	}
	return sfax.Account{}, false
}

// equalSecret compares a presented credential with a configured one in
// constant time; an empty configured one matches nothing.
func equalSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}
