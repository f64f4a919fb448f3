package sim

import (
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
)

// gofaxDocumentAnswer is GoFax's answer carrying a document. The member
// names are not confirmed [?]; Data is PROVIDERS.md's example, which
// faxpipe reads among others.
type gofaxDocumentAnswer struct {
	Success  bool   `json:"Success"`
	FaxID    string `json:"FaxID"`
	FileName string `json:"FileName"`
	Data     string `json:"Data"`
}

// gofaxAnswer answers GoFax document requests: the file base64-encoded in
// JSON [doc]; a fax not available is a 404.
var gofaxAnswer = docAnswer{
	notFound: func(w http.ResponseWriter) {
		writeJSON(w, http.StatusNotFound, map[string]any{"Success": false, "Message": "Fax not found"})
	},
	wrap: func(k docKey, r rendered) (string, []byte) {
		body, _ := json.Marshal(gofaxDocumentAnswer{ // strings only: cannot fail
			Success: true, FaxID: k.faxID, FileName: k.faxID + "." + string(r.doc.Format),
			Data: base64.StdEncoding.EncodeToString(r.body),
		})
		return "application/json", body
	},
}

// gofaxDocument serves GET /v1.0/ReceiveFax/{faxId}/Document?token=…: the
// token must be an account's api_token, else 401 with an empty body [doc].
// GoFax offers no format choice: each fax is PDF or TIFF (docKey).
func (a *api) gofaxDocument(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	for _, acc := range config.AccountsOf[gofax.Account](a.s.Accounts()) {
		if equalSecret(token, acc.APIToken.Reveal()) {
			a.serveDocument(w, r, docKey{fax.GoFax, acc.ID, r.PathValue("faxId")}, "", gofaxAnswer)
			return
		}
	}
	a.stats.update(fax.GoFax, func(t *DocumentTotals) { t.Unauthorized++ })
	w.WriteHeader(http.StatusUnauthorized)
}
