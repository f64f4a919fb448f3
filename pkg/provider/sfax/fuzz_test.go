package sfax_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// FuzzNormalize feeds arbitrary query strings to a verifying adapter and to
// one with verification off (so that the parser past the token is reached):
// neither may panic, and each result must be a valid event or a rejection
// with a reason and no event.
func FuzzNormalize(f *testing.F) {
	for _, name := range []string{"inbound", "outbound", "outbound_failed"} {
		f.Add(request(f, name).Query)
	}
	f.Add("token=&apikey=&faxtype=1&faxid=%zz&faxsuccess=1;faxpages=-1")
	f.Add("faxtype=0&faxid=1&faxsuccess=1&faxid=2&faxdateiso=9999-99-99")
	verifying, open := newAdapter(f, account(true)), newAdapter(f, account(false))
	base := request(f, "inbound")
	f.Fuzz(func(t *testing.T, query string) {
		r := base
		r.Query = query
		rm := raw(t, r)
		for _, a := range []fax.Normalizer{verifying, open} {
			ev, err := a.Normalize(rm)
			providertest.CheckOutcome(t, rm, ev, err)
			providertest.CheckVerify(t, a, rm, false)
		}
	})
}

// FuzzDecryptToken: no token decrypts to anything but a token or a
// signature_invalid rejection.
func FuzzDecryptToken(f *testing.F) {
	f.Add(vectorToken)
	f.Add(strings.ReplaceAll(vectorToken, "+", " "))
	f.Add("AAAAAAAAAAAAAAAAAAAAAA==")
	f.Fuzz(func(t *testing.T, token string) {
		tok, err := sfax.DecryptToken(token, []byte(vectorKey), []byte(vectorIV))
		if err != nil && !errors.Is(err, fax.ReasonSignatureInvalid) {
			t.Fatalf("error %v is not signature_invalid", err)
		}
		if err == nil && (tok.Username == "" || tok.APIKey == "" || tok.GenDT.IsZero()) {
			t.Fatalf("decrypted an incomplete token %+v", tok)
		}
	})
}

// FuzzTokenRoundTrip: what EncryptToken makes, DecryptToken reads back.
func FuzzTokenRoundTrip(f *testing.F) {
	f.Add("demo", "KEY123", int64(1704164645))
	f.Fuzz(func(t *testing.T, user, key string, unix int64) {
		if user == "" || key == "" || strings.ContainsAny(user+key, "&=") || unix < 0 || unix > 253402300799 {
			t.Skip("not a token Sfax would make")
		}
		in := sfax.Token{Username: user, APIKey: key, GenDT: time.Unix(unix, 0).UTC()}
		s, err := sfax.EncryptToken(in, []byte(vectorKey), []byte(vectorIV))
		if err != nil {
			t.Fatal(err)
		}
		out, err := sfax.DecryptToken(s, []byte(vectorKey), []byte(vectorIV))
		if err != nil {
			t.Fatalf("DecryptToken(EncryptToken(%+v)): %v", in, err)
		}
		if out != in {
			t.Fatalf("round trip = %+v, want %+v", out, in)
		}
	})
}

// FuzzNormalizeListed feeds arbitrary bodies, sealed as the reconciler
// seals its envelopes, to the adapter: no body may panic, and each result
// must be a valid event or a rejection with a reason and no event.
func FuzzNormalizeListed(f *testing.F) {
	f.Add(string(listedItem(f)))
	f.Add(`{"FaxId":2150102030405000007,"FaxSuccess":true,"FaxPages":-1,"FaxDateIso":"9999-99-99"}`)
	f.Add(`{"faxid":"21","FAXSUCCESS":"True","ToFaxNumber":{},"FromFaxNumber":12,"FromCSID":null}`)
	f.Add(`{"FaxId":1e400,"FaxSuccess":1}`)
	f.Add(`{"FaxId":"\u0000","FaxSuccess":"1","":"","\ud800":1}`)
	f.Add(`[{"FaxId":21}]`)
	f.Add("{\"FaxId\":21,\"FaxSuccess\":1,\"FromCSID\":\"\xff\",\"x\":[\"\xfe\"]}")
	a, d := newAdapter(f, account(true)), providertest.Digester(f)
	f.Fuzz(func(t *testing.T, body string) {
		rm := sealed(t, d, []byte(body))
		ev, err := a.Normalize(rm)
		providertest.CheckOutcome(t, rm, ev, err)
		if err == nil {
			if enc, _ := ev.Encode(); !utf8.Valid(enc.Data) {
				t.Fatalf("the event is not UTF-8: %q", enc.Data)
			}
		}
	})
}
