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
	env := &fax.Envelope{ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", Provider: fax.GoFax, Account: "acme"}
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
			if r.Detail != tt.err.Error() || r.RawSeq != 12 || r.Envelope != env || r.Schema != fax.RejectedSchema {
				t.Errorf("record = %+v", r)
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
	if _, ok := got["raw"]; ok {
		t.Error("raw present beside an envelope")
	}
}
