// Package gofaxsim is GoFax as the simulator (pkg/tools/sim) plays it: its
// callbacks — form POSTs with the event parameter in the URL, Basic auth
// or a URL secret — its retry policy and its document API.
package gofaxsim

import (
	"math/rand/v2"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// Sim is GoFax's simulation, for the registry (package provider).
var Sim sim.Provider = simulation{}

type simulation struct{}

// Spec: GoFax sends received and sent faxes and sent SMS of Australian
// numbers; its documents come as the fax was stored, PDF or TIFF. Its
// policy is not documented [?]. Assumed, as many webhook senders do: a
// 30 s timeout and 4 attempts, after 1, 5 and 15 minutes.
func (simulation) Spec() sim.Spec {
	return sim.Spec{
		Name:   fax.GoFax,
		Kinds:  []string{sim.KindFaxIn, sim.KindFaxOut, sim.KindSMS},
		Policy: sim.Policy{Timeout: 30 * time.Second, Delays: []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute}},
		Line:   auPhone,
	}
}

// auPhone is a random Australian geographic number (area 2, 3, 7 or 8).
func auPhone(rng *rand.Rand) sim.Phone {
	return sim.Phone{Country: "61", National: string("2378"[rng.IntN(4)]) + sim.Digits(rng, 8)}
}

// auMobile is a random Australian mobile number (4xx xxx xxx).
func auMobile(rng *rand.Rand) sim.Phone {
	return sim.Phone{Country: "61", National: "4" + sim.Digits(rng, 8)}
}

// trunk is p with the national trunk prefix, as Australians write it
// (0311223344).
func trunk(p sim.Phone) string { return "0" + p.National }
