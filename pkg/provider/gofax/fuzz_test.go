package gofax_test

import (
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// FuzzNormalize feeds arbitrary query strings, bodies and Authorization
// values to a verifying adapter and to one with verification off: neither
// may panic, and each result must be a valid event or a rejection with a
// reason and no event.
func FuzzNormalize(f *testing.F) {
	for _, name := range fixtures {
		r := request(f, name)
		auth := ""
		if v := r.Headers["Authorization"]; len(v) > 0 {
			auth = v[0]
		}
		f.Add(r.Query, r.Body, auth)
	}
	f.Add("event=&secret=%zz;x", "ID=1&ID=1&Success=TRUE&Recipient=+", "Basic !!")
	verifying, open := newAdapter(f, account(true)), newAdapter(f, account(false))
	f.Fuzz(func(t *testing.T, query, body, auth string) {
		r := providertest.Request{Account: "acme", Method: "POST", Query: query, Body: body,
			Headers: map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}}}
		if auth != "" {
			r.Headers["Authorization"] = []string{auth}
		}
		rm := raw(t, r)
		for _, a := range []fax.Normalizer{verifying, open} {
			ev, err := a.Normalize(rm)
			providertest.CheckOutcome(t, rm, ev, err)
			providertest.CheckVerify(t, a, rm, false)
		}
	})
}
