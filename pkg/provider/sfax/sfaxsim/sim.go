// Package sfaxsim is Sfax as the simulator (pkg/tools/sim) plays it: its
// callbacks — a GET with every field in the query and a token encrypted
// with the account's keys, new for each attempt — its retry policy, its
// document API and its listing of received faxes (which refuses the
// undated calls Sfax would answer from the account's shared watermark).
package sfaxsim

import (
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// Sim is Sfax's simulation, for the registry (package provider).
var Sim sim.Provider = simulation{}

type simulation struct{}

// Spec: Sfax sends received and sent faxes of US numbers and lets the
// client choose the document format. Its policy [doc]: a 15 s timeout; 5
// attempts 2 minutes apart (the configuration Sfax's own documentation
// shows; it is configurable per account at Sfax). After 20 consecutive
// failed attempts Sfax suspends the account's callbacks
// (Options.SfaxSuspendAfter).
func (simulation) Spec() sim.Spec {
	return sim.Spec{
		Name:         fax.Sfax,
		Kinds:        []string{sim.KindFaxIn, sim.KindFaxOut},
		Policy:       sim.Policy{Timeout: 15 * time.Second, Delays: sim.Repeat(2*time.Minute, 4), Suspends: true},
		FormatChoice: true,
		Line:         sim.USPhone,
	}
}
