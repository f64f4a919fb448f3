package fax_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestNewRejected(t *testing.T) {
	received := time.Date(2024, 5, 10, 19, 59, 0, 0, time.UTC)
	env := &fax.Envelope{ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", Provider: fax.GoFax, Account: "acme",
		ReceivedAt: received, Body: []byte("abc")}
	raw := fax.RawMessage{Envelope: env, StreamSeq: 12}
	at := time.Date(2024, 5, 10, 20, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name        string
		err         error
		wantReason  fax.Reason
		wantSubject string
	}{
		{name: "wrapped reason", err: fmt.Errorf("gofax: %w", fax.ReasonCredentialsMismatch),
			wantReason: fax.ReasonCredentialsMismatch, wantSubject: "faxpipe.rejected.gofax.acme.credentials_mismatch"},
		{name: "no reason is malformed", err: errors.New("boom"),
			wantReason: fax.ReasonMalformed, wantSubject: "faxpipe.rejected.gofax.acme.malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := fax.NewRejected(raw, tt.err, at)
			if r.Reason != tt.wantReason || r.Subject() != tt.wantSubject {
				t.Errorf("reason, subject = %s, %s; want %s, %s", r.Reason, r.Subject(), tt.wantReason, tt.wantSubject)
			}
			if r.Detail != tt.err.Error() || r.RawSeq != 12 || r.RawID != env.ID || r.Schema != fax.RejectedSchema {
				t.Errorf("record = %+v", r)
			}
			if r.Envelope != nil || r.Raw != nil {
				t.Errorf("record copies the callback: %+v", r)
			}
			// sha256("abc")
			if r.BodySize != 3 || r.BodySHA256 != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
				t.Errorf("body = %d bytes, sha256 %s", r.BodySize, r.BodySHA256)
			}
			if !r.ReceivedAt.Equal(received) {
				t.Errorf("received_at = %s, want %s", r.ReceivedAt, received)
			}
			if r.RejectedAt.Location() != time.UTC || !r.RejectedAt.Equal(at) {
				t.Errorf("rejected_at = %s, want %s in UTC", r.RejectedAt, at)
			}
		})
	}
}

func TestRejectedJSON(t *testing.T) {
	r := fax.NewRejected(fax.RawMessage{Envelope: &fax.Envelope{Provider: fax.Sfax, Account: "acme"}, StreamSeq: 3},
		fmt.Errorf("x: %w", fax.ReasonTokenExpired), time.Date(2024, 5, 10, 18, 0, 0, 0, time.UTC))
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"reason": "token_expired", "raw_seq": 3.0, "rejected_at": "2024-05-10T18:00:00Z", "provider": "sfax"} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
	for _, k := range []string{"raw", "envelope"} {
		if _, ok := got[k]; ok {
			t.Errorf("%s present: a rejection references its raw message", k)
		}
	}
}
