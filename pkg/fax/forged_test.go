package fax_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// TestNewForgedKeepsNoContent: the record of a forgery names who sent what
// and why, and holds nothing of the body, query or headers.
func TestNewForgedKeepsNoContent(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600))
	env := &fax.Envelope{
		ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", ReceivedAt: at, Provider: fax.GoFax, Account: "acme",
		Method: "POST", Path: "/callbacks/gofax/acme", Query: "secret=guess-QUERY",
		Headers: map[string][]string{"Authorization": {"Basic guess-HEADER"}}, Body: []byte("FaxID=1&Number=61712344321"),
	}
	f := fax.NewForged(env, fax.ReasonCredentialsMismatch, "203.0.113.7")
	if got, want := f.Subject(), "faxpipe.forged.gofax.acme"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if sum := sha256.Sum256(env.Body); f.BodySHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("body_sha256 %q, want %x", f.BodySHA256, sum)
	}
	if f.BodySize != len(env.Body) || !f.ReceivedAt.Equal(at) || f.ReceivedAt.Location() != time.UTC || f.Reason != fax.ReasonCredentialsMismatch || f.Client != "203.0.113.7" {
		t.Errorf("record %+v does not describe the request", f)
	}
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"QUERY", "HEADER", "61712344321", "FaxID"} {
		if strings.Contains(string(b), leak) {
			t.Errorf("record %s holds %q from the request", b, leak)
		}
	}
}
