package sim

import (
	"net/http"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Received is one fax a provider received, as its listing API knows it.
type Received struct {
	// Fax is the fax's report entry (FaxID, CompletedAt, Success…).
	Fax Fax
	// Listed is what the provider's Webhook put in Webhook.Listed.
	Listed any
	// Downloaded is true once the API served its document in full (eFax's
	// image_downloaded).
	Downloaded bool
}

// Received lists the faxes account of provider p received with a
// completion time in [from, to), oldest first: every fax generated so far
// whose Webhook had Listed set, whether or not its webhook was sent, lost
// or acknowledged.
func (a *API) Received(p fax.Provider, account string, from, to time.Time) []Received {
	panic("TODO")
}

// ServeListing answers a listing request of provider p, its credentials
// already checked: during an outage (Simulator.FailListings) with the
// outage's fault, else by calling serve. It counts what it answers.
func (a *API) ServeListing(w http.ResponseWriter, r *http.Request, p fax.Provider, serve func()) {
	panic("TODO")
}
