package fax

import (
	"fmt"
	"regexp"
)

// Provider names a fax provider as it appears in callback URLs, subjects and
// events: lower case, no separators.
type Provider string

// The providers faxpipe speaks to.
const (
	Sfax  Provider = "sfax"
	GoFax Provider = "gofax"
	EFax  Provider = "efax"
)

var accountIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidateAccountID reports whether id may name an account: it must match
// `[a-z0-9][a-z0-9_-]{0,63}` so that it is safe in a URL path and a NATS
// subject token.
func ValidateAccountID(id string) error {
	if !accountIDPattern.MatchString(id) {
		return fmt.Errorf("account id %q must match %s", id, accountIDPattern)
	}
	return nil
}

// Answer is the body a provider expects with a 200 once its callback is safe.
type Answer struct {
	ContentType string // empty for no body
	Body        []byte
}

// CallbackSpec describes how a provider calls faxpipe: what the ingress must
// accept and answer. It is pure data so the ingress needs no provider code.
type CallbackSpec struct {
	// Methods the provider uses; any other method gets a 405.
	Methods []string
	// SecretQueryParams are query parameters that always carry a credential
	// (matched case-insensitively); the ingress stores their digest only.
	SecretQueryParams []string
	// NoBody says the provider's callbacks carry no body: one that does is
	// refused (400) rather than stored, since a body is kept byte-exact and
	// could hold a credential in clear.
	NoBody bool
	// Answer is sent with the 200.
	Answer Answer
}
