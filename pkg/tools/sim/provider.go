package sim

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Provider is one provider's simulation: how it calls faxpipe and how its
// document API answers. Each lives in its provider's folder
// (pkg/provider/<name>/<name>sim); New takes the list of them, so this
// package knows no provider by name. Implementations must be safe for
// concurrent use by several simulators: per-simulator state belongs in
// what Routes builds.
type Provider interface {
	// Spec is what the simulator needs to know of the provider up front.
	Spec() Spec
	// Webhook makes the callback of a fax of kind (one of Spec.Kinds) for
	// account a, drawing every value from d. f comes with Seq, Provider,
	// Account and CompletedAt set; the provider fills in the rest of the
	// report entry. failed asks for a failed fax (or a partial one, where
	// the provider reports received faxes that way); a provider that
	// cannot tell of a failed fax of kind sends a successful one.
	Webhook(d *Draw, a Account, kind string, failed bool, f Fax) Webhook
	// Routes registers the provider's document API — and its listing of
	// received faxes, if it has one (API.Received, API.ServeListing) — on
	// mux, answering with api. It is called once per simulator serving its
	// API; the paths must not collide with another provider's.
	Routes(mux *http.ServeMux, api *API)
}

// Spec is the fixed part of a provider's simulation.
type Spec struct {
	// Name is the provider's name, as in callback URLs and the
	// configuration; the simulator's accounts of that provider are its.
	Name fax.Provider
	// Kinds are the kinds of fax it sends (KindFaxIn…).
	Kinds []string
	// Policy is how it delivers a callback, unscaled.
	Policy Policy
	// FormatChoice is set when its document API serves the format asked
	// for; otherwise each fax has its own format, PDF or TIFF, whatever is
	// asked.
	FormatChoice bool
	// Line draws one of an account's own numbers (in the provider's
	// country); every account has three, the same in every run.
	Line func(*rand.Rand) Phone
}

// Account is one configured account the simulator sends as.
type Account struct {
	ID string
	// Config is the account's configuration, of the provider's own type
	// (e.g. *sfax.Account), pointing into the simulator's accounts: its
	// api_base_url is the one in force (see Options.RewriteAPIBaseURL).
	Config config.ProviderAccount
	// Lines are the account's own three fax numbers.
	Lines []Phone
}

// Webhook is one fax's callback as its provider makes it.
type Webhook struct {
	// Fax is the fax's report entry: what faxpipe should make of it.
	Fax Fax
	// Request makes the request of an attempt sent at now (a provider may
	// sign each attempt anew); its path is the account's callback path.
	// An error gives the attempt up unsent.
	Request func(now time.Time) (Request, error)
	// Acked tells the provider's success from an answer's status, content
	// type and body; nil means a 200, whatever the body.
	Acked func(status int, contentType string, body []byte) bool
	// Document is set when faxpipe's downloader should fetch the fax's
	// document after the event (a received fax).
	Document bool
	// Listed is the provider's own record of the fax for its listing API
	// (API.Received hands it back), set for a fax the provider lists — a
	// received fax, where the provider has a listing API; nil otherwise.
	Listed any
}

// Request is one HTTP request of a callback, sent to the account's
// callback URL, {Target}/callbacks/{provider}/{account}.
type Request struct {
	Method   string
	RawQuery string // without '?'; empty for none
	Header   http.Header
	Body     []byte
}

// Draw is what a provider makes a callback with: the run's options and
// the generator of its values, drawn by one goroutine in a fixed order,
// so that a seed gives the same faxes in every run.
type Draw struct {
	// Rand draws ids, numbers and texts.
	Rand    *rand.Rand
	Options Options
	issued  map[string]bool // ids already used, so none repeats within a run
}

// UniqueID draws ids with draw until one not issued before in this run
// for f's provider, account and channel (set f.Channel first).
func (d *Draw) UniqueID(f *Fax, draw func() string) string {
	for {
		id := draw()
		key := fmt.Sprintf("%s/%s/%s/%s", f.Provider, f.Account, f.Channel, id)
		if !d.issued[key] {
			d.issued[key] = true
			return id
		}
	}
}

// DocumentPages is the page count of f's document (by its provider,
// account and fax id), which its callback announces.
func DocumentPages(f Fax) int {
	return docKey{fax.Provider(f.Provider), f.Account, f.FaxID}.pages()
}

// SentOutcome is the outcome of a sent fax or SMS: delivered or failed.
func SentOutcome(success bool) string {
	if success {
		return string(fax.OutcomeDelivered)
	}
	return string(fax.OutcomeFailed)
}
