// Package efaxsim is eFax Enterprise as the simulator (pkg/tools/sim)
// plays it: its callbacks — JSON notifications signed with
// X-HMAC-Signature — its retry policy and its document API (OAuth2
// tokens, fax images, the listing of received faxes).
package efaxsim

import (
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// Sim is eFax's simulation, for the registry (package provider).
var Sim sim.Provider = simulation{}

type simulation struct{}

// Spec: eFax sends received and sent faxes of US numbers and test pings,
// and lets the client choose the document format. Its policy [doc]: the
// first post and five retries five minutes apart; the timeout is not
// documented [?], assumed 30 s.
func (simulation) Spec() sim.Spec {
	return sim.Spec{
		Name:         fax.EFax,
		Kinds:        []string{sim.KindFaxIn, sim.KindFaxOut, sim.KindPing},
		Policy:       sim.Policy{Timeout: 30 * time.Second, Delays: sim.Repeat(5*time.Minute, 5)},
		FormatChoice: true,
		Line:         sim.USPhone,
	}
}
