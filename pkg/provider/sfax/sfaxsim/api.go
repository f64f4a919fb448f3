package sfaxsim

import (
	"net/http"
	"net/url"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// apiResult is Sfax's JSON answer when there is no document [lib].
type apiResult struct {
	IsSuccess bool   `json:"isSuccess"`
	Message   string `json:"message"`
}

// answer answers Sfax document requests: the raw file, and errors as
// JSON {"isSuccess":false} — with a 200 for a fax not available [lib].
var answer = sim.DocumentAnswer{
	NotFound: func(w http.ResponseWriter) {
		sim.WriteJSON(w, http.StatusOK, apiResult{Message: "Fax not found or not yet available"})
	},
	Wrap: func(_ string, doc sim.Document, body []byte) (string, []byte) { return doc.MediaType, body },
}

// Routes registers Sfax's document downloads, PDF and TIFF, inbound and
// outbound, and its listing of received faxes.
func (simulation) Routes(mux *http.ServeMux, api *sim.API) {
	for _, op := range []string{"DownloadInboundFaxAs", "DownloadOutboundFaxAs"} {
		mux.HandleFunc("GET /api/"+op+"Pdf", document(api, docfetch.PDF))
		mux.HandleFunc("GET /api/"+op+"Tif", document(api, docfetch.TIFF))
	}
	mux.HandleFunc("GET "+sfax.ListPath, listInbound(api))
}

// document serves GET /api/Download{Inbound,Outbound}FaxAs{Pdf,Tif}
// ?token=…&ApiKey=…&FaxId=…: the token must be fresh (generated within
// the account's token window of now, 15 minutes by default [doc]) and name
// the account whose API key is ApiKey.
func document(api *sim.API, f docfetch.Format) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		acc, ok := authorize(api, w, q)
		if !ok {
			return
		}
		faxID := q.Get("FaxId")
		if faxID == "" {
			api.Count(fax.Sfax, func(t *sim.DocumentTotals) { t.BadRequests++ })
			sim.WriteJSON(w, http.StatusBadRequest, apiResult{Message: "FaxId is required"})
			return
		}
		api.ServeDocument(w, r, fax.Sfax, acc.ID, faxID, f, answer)
	}
}

// authorize answers 401 (and counts it) unless the query's token and
// ApiKey are fresh credentials of an account (see account), which it
// returns.
func authorize(api *sim.API, w http.ResponseWriter, q url.Values) (sfax.Account, bool) {
	acc, ok := account(api.Accounts(), q.Get("token"), q.Get("ApiKey"), time.Now())
	if !ok {
		api.Count(fax.Sfax, func(t *sim.DocumentTotals) { t.Unauthorized++ })
		sim.WriteJSON(w, http.StatusUnauthorized, apiResult{Message: "Invalid token or API key"})
	}
	return acc, ok
}

// account finds among accounts the Sfax account whose API key is apiKey
// and whose credentials token was generated with, fresh at now.
func account(accounts config.Accounts, token, apiKey string, now time.Time) (sfax.Account, bool) {
	for _, acc := range config.AccountsOf[sfax.Account](accounts) {
		if !sim.EqualSecret(apiKey, acc.APIKey.Reveal()) {
			continue
		}
		t, err := sfax.DecryptToken(token, []byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
		if err != nil || !sim.EqualSecret(t.Username, acc.Username) || !sim.EqualSecret(t.APIKey, acc.APIKey.Reveal()) {
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
