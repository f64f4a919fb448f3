package telnyxsim

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// mediaPath is where the simulator serves media links, on its API: a
// stand-in for Telnyx's pre-signed S3 links [doc].
const mediaPath = "/telnyx-media/"

// MediaURL is the media link of account acc's fax faxID, valid until
// expires: on the account's api_base_url, signed with a key derived from
// its API key, so that any simulator instance with the same configuration
// serves it.
func MediaURL(acc *telnyx.Account, faxID string, expires time.Time) string {
	exp := strconv.FormatInt(expires.Unix(), 10)
	return docfetch.JoinURL(acc.APIBaseURL, mediaPath+url.PathEscape(acc.ID)+"/"+url.PathEscape(faxID)) +
		"?" + url.Values{"X-Expires": {exp}, "X-Signature": {mediaSignature(acc, faxID, exp)}}.Encode()
}

// mediaSignature signs a media link of acc's fax faxID expiring at exp.
func mediaSignature(acc *telnyx.Account, faxID, exp string) string {
	key := sha256.Sum256([]byte("telnyxsim media links\x00" + acc.APIKey.Reveal()))
	m := hmac.New(sha256.New, key[:])
	m.Write([]byte(acc.ID + "\x00" + faxID + "\x00" + exp))
	return hex.EncodeToString(m.Sum(nil))
}

// Routes registers Telnyx's faxes resource and the media links.
func (simulation) Routes(mux *http.ServeMux, api *sim.API) {
	h := &handlers{api: api}
	mux.HandleFunc("GET /v2/faxes", h.list)
	mux.HandleFunc("GET /v2/faxes/{id}", h.show)
	mux.HandleFunc("GET "+mediaPath+"{account}/{faxId}", h.media)
}

// handlers serve one simulator's Telnyx API.
type handlers struct {
	api *sim.API
}

// errorAnswer is Telnyx's error body [doc]: {"errors":[{"code","title","detail"}]}.
func errorAnswer(code, title string) map[string]any {
	return map[string]any{"errors": []map[string]string{{"code": code, "title": title}}}
}

// authorized returns the account of the request's bearer API key;
// otherwise it answers 401, counted, and reports false.
func (h *handlers) authorized(w http.ResponseWriter, r *http.Request) (*telnyx.Account, bool) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if ok {
		for _, acc := range config.AccountsOf[telnyx.Account](h.api.Accounts()) {
			if sim.EqualSecret(key, acc.APIKey.Reveal()) {
				return &acc, true
			}
		}
	}
	h.count(func(t *sim.DocumentTotals) { t.Unauthorized++ })
	sim.WriteJSON(w, http.StatusUnauthorized, errorAnswer("10009", "Authentication failed"))
	return nil, false
}

func (h *handlers) count(f func(*sim.DocumentTotals)) { h.api.Count(telnyx.Name, f) }

func (h *handlers) badRequest(w http.ResponseWriter, msg string) {
	h.count(func(t *sim.DocumentTotals) { t.BadRequests++ })
	sim.WriteJSON(w, http.StatusBadRequest, errorAnswer("10015", msg))
}

// media serves a media link: its signature and expiry checked — an
// expired or altered link is a 403, as S3 answers [?] — then the fax's
// document as the API serves documents (faults included), raw.
func (h *handlers) media(w http.ResponseWriter, r *http.Request) {
	id, faxID := r.PathValue("account"), r.PathValue("faxId")
	q := r.URL.Query()
	exp, sig := q.Get("X-Expires"), q.Get("X-Signature")
	var acc *telnyx.Account
	for _, a := range config.AccountsOf[telnyx.Account](h.api.Accounts()) {
		if a.ID == id {
			acc = &a
			break
		}
	}
	secs, err := strconv.ParseInt(exp, 10, 64)
	switch {
	case acc == nil || err != nil || !hmac.Equal([]byte(sig), []byte(mediaSignature(acc, faxID, exp))):
		h.count(func(t *sim.DocumentTotals) { t.Unauthorized++ })
		sim.WriteJSON(w, http.StatusForbidden, map[string]string{"Code": "SignatureDoesNotMatch"})
		return
	case !time.Now().Before(time.Unix(secs, 0)):
		h.count(func(t *sim.DocumentTotals) { t.Unauthorized++ })
		sim.WriteJSON(w, http.StatusForbidden, map[string]string{"Code": "AccessDenied", "Message": "Request has expired"})
		return
	}
	h.api.ServeDocument(w, r, telnyx.Name, acc.ID, faxID, "", mediaAnswer)
}

// mediaAnswer answers media requests: the document's own bytes; a fax
// not available yet is a 404.
var mediaAnswer = sim.DocumentAnswer{
	NotFound: func(w http.ResponseWriter) {
		sim.WriteJSON(w, http.StatusNotFound, map[string]string{"Code": "NoSuchKey"})
	},
	Wrap: func(_ string, doc sim.Document, file []byte) (string, []byte) {
		return doc.MediaType, file
	},
}

// show serves GET /v2/faxes/{id} [doc]: {"data": the fax resource} with
// a fresh media link. A fax this simulator did not generate (another
// instance did) is answered as received all the same: its document is a
// pure function of its id.
func (h *handlers) show(w http.ResponseWriter, r *http.Request) {
	acc, ok := h.authorized(w, r)
	if !ok {
		return
	}
	faxID := r.PathValue("id")
	rec := listed{ID: faxID, RecordType: "fax", Direction: "inbound", Status: "received", ConnectionID: connectionID(acc)}
	for _, got := range h.api.Received(telnyx.Name, acc.ID, time.Time{}, farFuture) {
		if l, ok := got.Listed.(listed); ok && l.ID == faxID {
			rec = l
			break
		}
	}
	rec.MediaURL = MediaURL(acc, faxID, time.Now().Add(mediaTTL))
	sim.WriteJSON(w, http.StatusOK, map[string]any{"data": rec})
}

// farFuture bounds the listing of every fax.
var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// maxCallTime bounds how long before its completion a fax's call began
// (listedOf: call_duration_secs), for finding faxes by created_at.
const maxCallTime = time.Hour
