package fax_test

import (
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestSubjects(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"raw", fax.RawSubject(fax.EFax, "acme"), "faxpipe.raw.efax.acme"},
		{"raw, any account", fax.RawSubject(fax.EFax, ""), "faxpipe.raw.efax.*"},
		{"event", fax.EventSubject(fax.Sfax, "acme", fax.ChannelFax, fax.Inbound, fax.OutcomeReceived), "faxpipe.events.sfax.acme.fax.inbound.received"},
		{"received faxes", fax.ReceivedFaxSubject(), "faxpipe.events.*.*.fax.inbound.received"},
		{"document", fax.DocumentSubject(fax.GoFax, "acme", fax.DocumentStored), "faxpipe.documents.gofax.acme.stored"},
		{"documents, anything", fax.DocumentSubject("", "", ""), "faxpipe.documents.*.*.*"},
		{"rejected", fax.RejectedSubject(fax.EFax, "acme", fax.ReasonSignatureInvalid), "faxpipe.rejected.efax.acme.signature_invalid"},
		{"forged", fax.ForgedSubject(fax.GoFax, "acme"), "faxpipe.forged.gofax.acme"},
		{"forged stream filter", fax.StreamSubjects[fax.ForgedStream], "faxpipe.forged.>"},
		{"stream filter", fax.StreamSubjects[fax.EventsStream], "faxpipe.events.>"},
		{"audit", fax.AuditSubject("document.read"), "faxpipe.audit.document.read"},
		{"audit stream filter", fax.StreamSubjects[fax.AuditStream], "faxpipe.audit.>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %q, want %q", tt.got, tt.want)
			}
		})
	}
}

func TestParseRawSubject(t *testing.T) {
	tests := []struct {
		name, subject string
		provider      fax.Provider
		account       string
		ok            bool
	}{
		{"a raw subject", "faxpipe.raw.efax.acme", fax.EFax, "acme", true},
		{"round trip", fax.RawSubject(fax.Sfax, "demo-1"), fax.Sfax, "demo-1", true},
		{"too few tokens", "faxpipe.raw.efax", "", "", false},
		{"too many tokens", "faxpipe.raw.efax.acme.x", "", "", false},
		{"an empty token", "faxpipe.raw..acme", "", "", false},
		{"another stream", "faxpipe.events.efax.acme", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, account, err := fax.ParseRawSubject(tt.subject)
			if (err == nil) != tt.ok || p != tt.provider || account != tt.account {
				t.Fatalf("ParseRawSubject(%q) = %q, %q, %v; want %q, %q, ok=%v", tt.subject, p, account, err, tt.provider, tt.account, tt.ok)
			}
		})
	}
}
