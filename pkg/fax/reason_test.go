package fax_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestReasonIsASentinel(t *testing.T) {
	err := fmt.Errorf("sfax: %w", fmt.Errorf("token GenDT too old: %w", fax.ReasonTokenExpired))
	if !errors.Is(err, fax.ReasonTokenExpired) {
		t.Error("errors.Is does not find the wrapped reason")
	}
	if errors.Is(err, fax.ReasonSignatureInvalid) {
		t.Error("errors.Is finds a reason that is not there")
	}
	var r fax.Reason
	if !errors.As(err, &r) || r != fax.ReasonTokenExpired {
		t.Errorf("errors.As = %q, want token_expired", r)
	}
}

func TestReasonOf(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		want   fax.Reason
		wantOK bool
	}{
		{name: "wrapped", err: fmt.Errorf("x: %w", fax.ReasonMalformed), want: fax.ReasonMalformed, wantOK: true},
		{name: "joined", err: errors.Join(errors.New("a"), fax.ReasonUnknownAccount), want: fax.ReasonUnknownAccount, wantOK: true},
		{name: "none", err: errors.New("disk full")},
		{name: "nil", err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := fax.ReasonOf(tt.err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ReasonOf = %q, %v; want %q, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestReasonsAreSubjectTokens(t *testing.T) {
	seen := map[fax.Reason]bool{}
	for _, r := range fax.Reasons {
		if seen[r] || fax.ValidateAccountID(string(r)) != nil {
			t.Errorf("reason %q is repeated or not a subject token", r)
		}
		seen[r] = true
		if r.Error() != string(r) {
			t.Errorf("Error() = %q, want %q", r.Error(), r)
		}
	}
}

func TestIsVerificationFailure(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{name: "signature", err: fmt.Errorf("x: %w", fax.ReasonSignatureInvalid), want: true},
		{name: "token expired", err: fmt.Errorf("x: %w", fax.ReasonTokenExpired), want: true},
		{name: "credentials", err: fmt.Errorf("x: %w", fax.ReasonCredentialsMismatch), want: true},
		{name: "malformed", err: fmt.Errorf("x: %w", fax.ReasonMalformed)},
		{name: "untrusted resource url", err: fmt.Errorf("x: %w", fax.ReasonUntrustedResourceURL)},
		{name: "no reason", err: errors.New("disk full")},
		{name: "nil", err: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := fax.IsVerificationFailure(tt.err); got != tt.want {
				t.Errorf("IsVerificationFailure(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}
