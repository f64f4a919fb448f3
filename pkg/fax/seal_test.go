package fax

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"
)

func sealTestEnvelope() *Envelope {
	return &Envelope{
		Schema: EnvelopeSchema, ID: "0190b7a2-3c4d-7e5f-8a9b-0c1d2e3f4a5b", ReceivedAt: time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC),
		Provider: EFax, Account: "acme", Method: "GET", Path: "/faxes/received", Query: "image_downloaded=false",
		Headers: map[string][]string{"User-Id": {"u1"}}, Body: []byte(`{"fax_id":"f1"}`), Redacted: []Redaction{}, Origin: OriginAPI,
	}
}

// TestSeal: only the pipeline key (current or previous) seals, and every
// member of the envelope is covered.
func TestSeal(t *testing.T) {
	d, _ := NewDigester("k2", []byte("the current pipeline key, 32 bytes!"))
	old, _ := NewDigester("k1", []byte("the previous pipeline key, 32 bytes"))
	d, _ = d.WithPrevious([]byte("the previous pipeline key, 32 bytes"))
	e := sealTestEnvelope()
	e.Seal = d.Seal(e)
	if err := d.CheckSeal(e); err != nil {
		t.Fatalf("own seal: %v", err)
	}
	e.Seal = old.Seal(e)
	if err := d.CheckSeal(e); err != nil {
		t.Fatalf("a previous key's seal: %v", err)
	}
	other, _ := NewDigester("k3", []byte("somebody else's key, 32 bytes long"))
	e.Seal = other.Seal(e)
	if err := d.CheckSeal(e); !errors.Is(err, ReasonSignatureInvalid) {
		t.Fatalf("another key's seal: %v, want signature_invalid", err)
	}
	changes := map[string]func(*Envelope){
		"id":          func(e *Envelope) { e.ID = "0190b7a2-3c4d-7e5f-8a9b-0c1d2e3f4a5c" },
		"received_at": func(e *Envelope) { e.ReceivedAt = e.ReceivedAt.Add(time.Nanosecond) },
		"provider":    func(e *Envelope) { e.Provider = Sfax },
		"account":     func(e *Envelope) { e.Account = "acme2" },
		"query":       func(e *Envelope) { e.Query += "&x=1" },
		"header":      func(e *Envelope) { e.Headers["User-Id"] = []string{"u2"} },
		"header split": func(e *Envelope) {
			e.Headers["User-Id"] = []string{"u", "1"}
		},
		"header joined": func(e *Envelope) { e.Headers["User-Id"] = []string{"u1\x00"} },
		"body":          func(e *Envelope) { e.Body = []byte(`{"fax_id":"f2"}`) },
		"origin":        func(e *Envelope) { e.Origin = OriginWebhook },
		"redacted":      func(e *Envelope) { e.Redacted = []Redaction{{In: "header", Name: "Authorization", KeyID: "k2"}} },
	}
	for name, change := range changes {
		e := sealTestEnvelope()
		e.Seal = d.Seal(e)
		change(e)
		if err := d.CheckSeal(e); !errors.Is(err, ReasonSignatureInvalid) {
			t.Errorf("%s changed after sealing: %v, want signature_invalid", name, err)
		}
	}
}

// TestSealKeyIsNoDigest: the ingress digests values strangers choose (an
// Authorization header), so no digest may reveal the seal's key: a digest
// of the seal's context, of the context and a NUL, or of anything else is
// not it.
func TestSealKeyIsNoDigest(t *testing.T) {
	d, _ := NewDigester("k1", []byte("the current pipeline key, 32 bytes!"))
	e := sealTestEnvelope()
	want := d.Seal(e)
	for _, v := range []string{sealContext, sealContext + "\x00", ""} {
		hexKey := strings.TrimPrefix(d.Digest(v), DigestPrefix)
		key, err := hex.DecodeString(hexKey)
		if err != nil {
			t.Fatal(err)
		}
		forger, err := NewDigester("x", key)
		if err != nil {
			t.Fatal(err)
		}
		// A forger holding the digest as a pipeline key, or as the seal's key.
		if forger.Seal(e) == want || sealWithKey(key, e) == want || sealWithKey([]byte(hexKey), e) == want {
			t.Fatalf("the digest of %q gives the seal", v)
		}
	}
}
