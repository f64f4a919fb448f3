package efax_test

import (
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// FuzzNormalize feeds arbitrary bodies, correctly signed so that the parser
// is reached, and arbitrary signatures, to a verifying adapter and to one
// with verification off: neither may panic, and each result must be a valid
// event or a rejection with a reason and no event.
func FuzzNormalize(f *testing.F) {
	for _, name := range fixtures {
		r := request(f, name)
		f.Add([]byte(r.Body), r.Headers["X-Hmac-Signature"][0])
	}
	f.Add([]byte(`{"direction":"outbound","fax_id":" x","pages":-1,"duration":1e99,"resource_url":null}`), "")
	f.Add([]byte(`{"event_type":"ping","notification_id":{}}`), "sha256=")
	verifying, open := newAdapter(f, account(true)), newAdapter(f, account(false))
	f.Fuzz(func(t *testing.T, body []byte, sig string) {
		for _, s := range []string{efax.Sign(body, hmacSecret), sig} {
			r := providertest.Request{Account: "acme", Method: "POST", Body: string(body),
				Headers: map[string][]string{"Content-Type": {"application/json"}, "X-Hmac-Signature": {s}}}
			rm := raw(t, r)
			for _, a := range []fax.Normalizer{verifying, open} {
				ev, err := a.Normalize(rm)
				providertest.CheckOutcome(t, rm, ev, err)
				providertest.CheckVerify(t, a, rm, true)
			}
		}
	})
}

// FuzzNormalizeListed feeds arbitrary listing items and user ids, sealed
// so that the parser is reached, to adapters with and without webhook
// verification: neither may panic, and each result must be a valid event
// or a rejection with a reason and no event.
func FuzzNormalizeListed(f *testing.F) {
	l := loadListed(f)
	f.Add([]byte(l.Body), l.UserID)
	f.Add([]byte(l.Body), "")
	f.Add([]byte(`{"fax_id":" x","pages":-1,"duration":1e99,"resource_url":null,"completed_timestamp":7}`), " ")
	f.Add([]byte(`{"fax_id":{},"originating_fax_number":[],"user_id":null}`), "u\x00")
	f.Add([]byte(`null`), "u1")
	verifying, open := newAdapter(f, account(true)), newAdapter(f, account(false))
	f.Fuzz(func(t *testing.T, body []byte, user string) {
		rm := listedRaw(t, listedFixture{Account: "acme", UserID: user, Body: string(body)})
		for _, a := range []fax.Normalizer{verifying, open} {
			ev, err := a.Normalize(rm)
			providertest.CheckOutcome(t, rm, ev, err)
		}
	})
}
