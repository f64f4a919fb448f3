package gofaxsim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// documentAnswer is GoFax's answer carrying a document. The member
// names are not confirmed [?]; Data is PROVIDERS.md's example, which
// faxpipe reads among others.
type documentAnswer struct {
	Success  bool   `json:"Success"`
	FaxID    string `json:"FaxID"`
	FileName string `json:"FileName"`
	Data     string `json:"Data"`
}

// answer answers GoFax document requests: the file base64-encoded in
// JSON [doc]; a fax not available is a 404.
var answer = sim.DocumentAnswer{
	NotFound: func(w http.ResponseWriter) {
		sim.WriteJSON(w, http.StatusNotFound, map[string]any{"Success": false, "Message": "Fax not found"})
	},
	Wrap: func(faxID string, doc sim.Document, file []byte) (string, []byte) {
		body, _ := json.Marshal(documentAnswer{ // strings only: cannot fail
			Success: true, FaxID: faxID, FileName: faxID + "." + string(doc.Format),
			Data: base64.StdEncoding.EncodeToString(file),
		})
		return "application/json", body
	},
}

// Routes registers GoFax's received-fax document download.
func (simulation) Routes(mux *http.ServeMux, api *sim.API) {
	mux.HandleFunc("GET /v1.0/ReceiveFax/{faxId}/Document", document(api))
}

// document serves GET /v1.0/ReceiveFax/{faxId}/Document?token=…: the
// token must be an account's api_token, else 401 with an empty body [doc].
// GoFax offers no format choice: each fax is PDF or TIFF, its own.
func document(api *sim.API) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		token := r.URL.Query().Get("token")
		for _, acc := range config.AccountsOf[gofax.Account](api.Accounts()) {
			if sim.EqualSecret(token, acc.APIToken.Reveal()) {
				api.ServeDocument(w, r, fax.GoFax, acc.ID, r.PathValue("faxId"), "", answer)
				return
			}
		}
		api.Count(fax.GoFax, func(t *sim.DocumentTotals) { t.Unauthorized++ })
		w.WriteHeader(http.StatusUnauthorized)
	}
}
