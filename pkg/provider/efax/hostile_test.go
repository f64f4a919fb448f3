package efax_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// TestGenuineBodyWithAnotherSignature: a genuine body carrying the genuine
// signature of another body, or of the same JSON encoded otherwise, is
// signature_invalid: the signature is over the exact bytes.
func TestGenuineBodyWithAnotherSignature(t *testing.T) {
	inbound := request(t, "inbound")
	tests := []struct {
		name      string
		signedFor func(t *testing.T) []byte // the body whose signature is sent
	}{
		{name: "of another genuine callback", signedFor: func(t *testing.T) []byte {
			return []byte(request(t, "outbound").Body)
		}},
		{name: "of a test ping", signedFor: func(t *testing.T) []byte {
			return []byte(request(t, "ping").Body)
		}},
		{name: "of the same JSON, indented", signedFor: func(t *testing.T) []byte {
			var b bytes.Buffer
			if err := json.Indent(&b, []byte(inbound.Body), "", "  "); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}},
		{name: "of the same JSON, keys reordered", signedFor: func(t *testing.T) []byte {
			var m map[string]any
			if err := json.Unmarshal([]byte(inbound.Body), &m); err != nil {
				t.Fatal(err)
			}
			b, err := json.Marshal(m) // keys sorted
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "of the body with a trailing newline", signedFor: func(*testing.T) []byte { return []byte(inbound.Body + "\n") }},
		{name: "of the empty body", signedFor: func(*testing.T) []byte { return nil }},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			other := tt.signedFor(t)
			if bytes.Equal(other, []byte(inbound.Body)) {
				t.Fatal("the other body is the body itself")
			}
			r := request(t, "inbound")
			r.Headers["X-Hmac-Signature"] = []string{efax.Sign(other, hmacSecret)}
			providertest.Rejects(t, a, raw(t, r), fax.ReasonSignatureInvalid)
		})
	}
}

// TestSmuggledSignatureHeaders: a forged signature beside the genuine one,
// under the same name in any case, in one comma-joined value, or the
// genuine one under another name, is signature_invalid; the adapter never
// picks the value that happens to verify.
func TestSmuggledSignatureHeaders(t *testing.T) {
	forged := efax.Sign([]byte("{}"), hmacSecret)
	tests := []struct {
		name    string
		headers func(good string) map[string][]string
	}{
		{name: "forged then genuine", headers: func(good string) map[string][]string {
			return map[string][]string{"X-Hmac-Signature": {forged, good}}
		}},
		{name: "genuine then forged", headers: func(good string) map[string][]string {
			return map[string][]string{"X-Hmac-Signature": {good, forged}}
		}},
		{name: "genuine and forged under names differing in case", headers: func(good string) map[string][]string {
			return map[string][]string{"X-Hmac-Signature": {good}, "X-HMAC-SIGNATURE": {forged}}
		}},
		{name: "genuine and forged in one comma-joined value", headers: func(good string) map[string][]string {
			return map[string][]string{"X-Hmac-Signature": {good + ", " + forged}}
		}},
		{name: "genuine with bytes appended", headers: func(good string) map[string][]string {
			return map[string][]string{"X-Hmac-Signature": {good + "00"}}
		}},
		{name: "genuine under another header", headers: func(good string) map[string][]string {
			return map[string][]string{"X-Signature": {good}}
		}},
		{name: "genuine as a query-style pair", headers: func(good string) map[string][]string {
			return map[string][]string{"X-Hmac-Signature": {"signature=" + good}}
		}},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, "inbound")
			good := r.Headers["X-Hmac-Signature"][0]
			delete(r.Headers, "X-Hmac-Signature")
			for k, vs := range tt.headers(good) {
				r.Headers[k] = vs
			}
			providertest.Rejects(t, a, raw(t, r), fax.ReasonSignatureInvalid)
		})
	}
}

// TestSignedBodyReplayedToAnotherAccount: a genuine callback of one account
// sent to another account's URL is refused: that account has its own
// secret, or, sharing the secret, its own app.
func TestSignedBodyReplayedToAnotherAccount(t *testing.T) {
	ownSecret := account(true)
	ownSecret.ID, ownSecret.HMACSecret = "globex", config.Literal("globex-secret")
	otherApp := account(true)
	otherApp.ID, otherApp.AppID = "initech", "initech-app"
	a := newAdapter(t, account(true), ownSecret, otherApp)
	tests := []struct {
		account string
		want    fax.Reason
	}{
		{account: "globex", want: fax.ReasonSignatureInvalid},
		{account: "initech", want: fax.ReasonCredentialsMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.account, func(t *testing.T) {
			r := request(t, "inbound")
			r.Account = tt.account
			providertest.Rejects(t, a, raw(t, r), tt.want)
		})
	}
	if !strings.Contains(request(t, "inbound").Body, appID) {
		t.Fatal("the fixture does not name the account's app: the initech case proves nothing")
	}
}
