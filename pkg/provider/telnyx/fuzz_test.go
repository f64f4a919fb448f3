package telnyx_test

import (
	"crypto"
	"crypto/x509"
	"strconv"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
)

// FuzzNormalize feeds arbitrary bodies, correctly signed so that the
// parser is reached, and arbitrary signatures and timestamps, to a
// verifying adapter and to one with verification off: neither may panic,
// and each result is a valid event or a rejection with a reason and no
// event, on which Verify and Normalize agree.
func FuzzNormalize(f *testing.F) {
	for _, name := range append(fixtures, "intermediate") {
		r := request(f, name)
		f.Add([]byte(r.Body), r.Headers[telnyx.SignatureHeader][0], r.Headers[telnyx.TimestampHeader][0])
	}
	f.Add([]byte(`{"data":{"event_type":"fax.received","payload":{"fax_id":" x","direction":"inbound","page_count":-1,"call_duration_secs":1e99,"media_url":null}}}`), "", "1")
	f.Add([]byte(`{"data":{"event_type":"fax.delivered","payload":{"fax_id":"1","direction":"outbound"}},"event_id":1,"meta":[]}`), "=", "-5")
	f.Add([]byte(`{"data":{"payload":[]}}`), "", "99999999999999999999")
	verifying, open := newAdapter(f, account(true)), newAdapter(f, account(false))
	ts := strconv.FormatInt(signedAt.Unix(), 10)
	f.Fuzz(func(t *testing.T, body []byte, sig, stamp string) {
		for _, h := range [][2]string{{telnyx.Sign(testKey, ts, body), ts}, {sig, stamp}} {
			r := providertest.Request{Account: "acme", Method: "POST", Body: string(body),
				Headers: map[string][]string{"Content-Type": {"application/json"}, telnyx.SignatureHeader: {h[0]}, telnyx.TimestampHeader: {h[1]}}}
			rm := raw(t, r)
			for _, a := range []fax.Normalizer{verifying, open} {
				ev, err := a.Normalize(rm)
				providertest.CheckOutcome(t, rm, ev, err)
				providertest.CheckVerify(t, a, rm, true)
			}
		}
	})
}

// FuzzNormalizeListed feeds arbitrary listing items, sealed so that the
// parser is reached: no panic, a valid event or a rejection.
func FuzzNormalizeListed(f *testing.F) {
	f.Add(listedItem(f))
	f.Add([]byte(`{"id":"1","direction":"inbound","status":null,"updated_at":"x"}`))
	f.Add([]byte(`{"fax_id":"2","id":"3","direction":"INBOUND","media_url":7}`))
	a := newAdapter(f, account(true))
	f.Fuzz(func(t *testing.T, body []byte) {
		rm := listedRaw(t, body)
		ev, err := a.Normalize(rm)
		providertest.CheckOutcome(t, rm, ev, err)
	})
}

// spki is pub as a DER SubjectPublicKeyInfo.
func spki(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return der
}
