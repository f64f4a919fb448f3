package gofax_test

import (
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// onlyURLSecret is the test account without Basic auth: the URL secret is
// its only credential.
func onlyURLSecret() gofax.Account {
	acc := account(true)
	acc.BasicAuth = gofax.BasicAuth{}
	return acc
}

// TestURLSecretMisplaced: the URL secret's value anywhere but in its own
// query parameter, or in that parameter with another letter case or
// another byte, presents no valid credential: credentials_mismatch.
func TestURLSecretMisplaced(t *testing.T) {
	swapCase := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, s)
	}
	tests := []struct {
		name  string
		query string
		body  string // appended to the fixture's body when set
		hdr   map[string][]string
	}{
		{name: "value in capitals", query: "secret=" + strings.ToUpper(secretValue)},
		{name: "value with one letter's case changed", query: "secret=U" + secretValue[1:]},
		{name: "value with letters swapped to upper case", query: "secret=" + swapCase(secretValue)},
		{name: "value with a trailing space", query: "secret=" + secretValue + "+"},
		{name: "value with a byte more", query: "secret=" + secretValue + "4"},
		{name: "value with a byte less", query: "secret=" + secretValue[:len(secretValue)-1]},
		{name: "value empty", query: "secret="},
		{name: "value in another parameter", query: "token=" + secretValue},
		{name: "value as a parameter name", query: secretValue + "=secret"},
		{name: "value in the form body", query: "", body: "&secret=" + secretValue},
		{name: "value in a header", query: "", hdr: map[string][]string{"X-Secret": {secretValue}}},
		{name: "value as a Bearer token", query: "", hdr: map[string][]string{"Authorization": {"Bearer " + secretValue}}},
	}
	a := newAdapter(t, onlyURLSecret())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, "received_complete")
			r.Query, r.Body = tt.query, r.Body+tt.body
			for k, vs := range tt.hdr {
				r.Headers[k] = vs
			}
			providertest.Rejects(t, a, raw(t, r), fax.ReasonCredentialsMismatch)
		})
	}
}

// TestURLSecretNameCaseTolerated: parameter names are matched
// case-insensitively throughout (form.Parse), so the secret under
// "SECRET" is the secret; the ingress digests it under any case, so it is
// never stored in clear either.
func TestURLSecretNameCaseTolerated(t *testing.T) {
	r := request(t, "received_complete")
	r.Query = "SECRET=" + secretValue
	rm := raw(t, r)
	if _, err := newAdapter(t, onlyURLSecret()).Normalize(rm); err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if strings.Contains(rm.Envelope.Query, secretValue) {
		t.Fatalf("envelope query %q holds the secret in clear", rm.Envelope.Query)
	}
}

// TestSmuggledAuthorization: a forged Authorization beside the genuine
// one, in either order, under names differing in case, in one
// comma-joined value, or the genuine credentials in another header, is
// credentials_mismatch; the adapter never picks the value that verifies.
func TestSmuggledAuthorization(t *testing.T) {
	good, forged := basic(basicUser, basicPass), basic(basicUser, "guess")
	tests := []struct {
		name    string
		headers map[string][]string
	}{
		{name: "forged then genuine", headers: map[string][]string{"Authorization": {forged, good}}},
		{name: "genuine then forged", headers: map[string][]string{"Authorization": {good, forged}}},
		{name: "names differing in case", headers: map[string][]string{"Authorization": {good}, "AUTHORIZATION": {forged}}},
		{name: "one comma-joined value", headers: map[string][]string{"Authorization": {good + ", " + forged}}},
		{name: "genuine in Proxy-Authorization only", headers: map[string][]string{"Proxy-Authorization": {good}}},
		{name: "genuine, then empty", headers: map[string][]string{"Authorization": {good, ""}}},
	}
	onlyBasic := account(true)
	onlyBasic.URLSecret = gofax.URLSecret{}
	a := newAdapter(t, onlyBasic)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, "sms_sent")
			delete(r.Headers, "Authorization")
			for k, vs := range tt.headers {
				r.Headers[k] = vs
			}
			providertest.Rejects(t, a, raw(t, r), fax.ReasonCredentialsMismatch)
		})
	}
}
