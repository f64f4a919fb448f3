package fax_test

import (
	"errors"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestCheckEnvelope(t *testing.T) {
	tests := []struct {
		name    string
		raw     fax.RawMessage
		wantErr bool
	}{
		{name: "own provider", raw: fax.RawMessage{Envelope: &fax.Envelope{Provider: fax.Sfax}}},
		{name: "other provider", raw: fax.RawMessage{Envelope: &fax.Envelope{Provider: fax.EFax}}, wantErr: true},
		{name: "no envelope", raw: fax.RawMessage{}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fax.CheckEnvelope(tt.raw, fax.Sfax)
			if tt.wantErr != (err != nil) || (err != nil && !errors.Is(err, fax.ReasonMalformed)) {
				t.Fatalf("CheckEnvelope = %v, want error %v (malformed)", err, tt.wantErr)
			}
		})
	}
}

func TestHeaderValues(t *testing.T) {
	env := &fax.Envelope{Headers: map[string][]string{"X-Hmac-Signature": {"ab"}, "Content-Type": {"application/json"}}}
	if got := env.HeaderValues("X-HMAC-Signature"); len(got) != 1 || got[0] != "ab" {
		t.Errorf("HeaderValues = %v, want [ab]", got)
	}
	if got := env.HeaderValues("Authorization"); got != nil {
		t.Errorf("HeaderValues of an absent header = %v, want nil", got)
	}
}
