// Package telnyxsim is Telnyx Programmable Fax as the simulator
// (pkg/tools/sim) plays it: its webhooks — JSON signed with Ed25519 over
// telnyx-timestamp|body, signed afresh at each attempt — its retries, and
// its API: the faxes resource (GET /v2/faxes, GET /v2/faxes/{id}) behind
// a Bearer API key, and media links that expire.
//
// Telnyx holds the private key and faxpipe the public one, so the
// simulator needs the private key of each account's public_key: the demo
// key (DemoPublicKey, in every example configuration), or a key made by
// GenerateKey in the same process (tests). A webhook of an account whose
// public key it has no private key for is not sent, and says why.
package telnyxsim

import (
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// Sim is Telnyx's simulation, for the registry (package provider).
var Sim sim.Provider = simulation{}

type simulation struct{}

// Spec: Telnyx sends received and sent faxes of US numbers; its documents
// are PDF [doc] — the simulator serves each fax's own format, PDF or
// TIFF, as for the providers without a choice, which faxpipe stores as
// served. Its policy: the timeout is the Fax Application's
// webhook_timeout_secs [lib], assumed 10 s; a webhook not answered 2xx
// goes again, up to 3 attempts per URL, then to the failover URL [doc:
// messaging's webhooks; fax's say "retries" and "failover URL"] — with
// faxpipe's callback URL as both (README's set-up), six attempts,
// modelled a minute apart [?].
func (simulation) Spec() sim.Spec {
	return sim.Spec{
		Name:   telnyx.Name,
		Kinds:  []string{sim.KindFaxIn, sim.KindFaxOut},
		Policy: sim.Policy{Timeout: 10 * time.Second, Delays: sim.Repeat(time.Minute, 5)},
		Line:   sim.USPhone,
	}
}
