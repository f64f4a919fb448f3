package fax_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestValidateAccountID(t *testing.T) {
	tests := []struct {
		name  string
		id    string
		valid bool
	}{
		{"word", "demo", true},
		{"one letter", "a", true},
		{"one digit", "0", true},
		{"dash and underscore inside", "acme-prod_1", true},
		{"trailing dash", "acme-", true},
		{"64 characters", strings.Repeat("a", 64), true},
		{"empty", "", false},
		{"65 characters", strings.Repeat("a", 65), false},
		{"upper case", "Demo", false},
		{"leading dash", "-demo", false},
		{"leading underscore", "_demo", false},
		{"dot splits a subject token", "a.b", false},
		{"NATS wildcard *", "a*", false},
		{"NATS wildcard >", "a>", false},
		{"space", "a b", false},
		{"slash splits a path", "a/b", false},
		{"trailing newline", "demo\n", false},
		{"non-ASCII letter", "démo", false},
		{"percent escape", "a%2Fb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := fax.ValidateAccountID(tt.id)
			if got, want := err == nil, tt.valid; got != want {
				t.Fatalf("ValidateAccountID(%q) = %v, want valid %v", tt.id, err, want)
			}
			if err != nil && !strings.Contains(err.Error(), strconv.Quote(tt.id)) {
				t.Errorf("error %q does not quote the id %q", err, tt.id)
			}
		})
	}
}

func TestRawSubject(t *testing.T) {
	tests := []struct {
		name     string
		provider fax.Provider
		account  string
		want     string
	}{
		{"sfax", fax.Sfax, "demo", "faxpipe.raw.sfax.demo"},
		{"gofax", fax.GoFax, "acme-prod_1", "faxpipe.raw.gofax.acme-prod_1"},
		{"efax", fax.EFax, "0", "faxpipe.raw.efax.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := fax.RawSubject(tt.provider, tt.account), tt.want; got != want {
				t.Errorf("RawSubject(%q, %q) = %q, want %q", tt.provider, tt.account, got, want)
			}
			e := fax.Envelope{Provider: tt.provider, Account: tt.account}
			if got, want := e.Subject(), tt.want; got != want {
				t.Errorf("Envelope.Subject() = %q, want %q", got, want)
			}
		})
	}
}

func TestEnvelopeBodyBase64(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"empty", nil, ""},
		{"padded", []byte("fax"), "ZmF4"},
		{"needs padding", []byte("fa"), "ZmE="},
		{"binary, standard alphabet", []byte{0xfb, 0xff}, "+/8="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := fax.Envelope{Body: tt.body}
			if got, want := e.BodyBase64(), tt.want; got != want {
				t.Errorf("BodyBase64() = %q, want %q", got, want)
			}
		})
	}
}
