package fax

import (
	"errors"
	"slices"
)

// Reason says why a raw callback was rejected. It is an error, so adapters
// wrap it with %w and callers test it with errors.Is (one reason) or
// errors.As (whichever reason it was); it is also the last token of the
// rejection subject faxpipe.rejected.{provider}.{account}.{reason}.
type Reason string

// The reasons a callback is rejected. Each is permanent: processing the same
// raw message again gives the same reason.
const (
	// ReasonSignatureInvalid: the signature or encrypted token does not
	// verify (wrong key, altered bytes, missing signature).
	ReasonSignatureInvalid Reason = "signature_invalid"
	// ReasonTokenExpired: a signed timestamp is too far from the receipt
	// time, in the past or in the future.
	ReasonTokenExpired Reason = "token_expired"
	// ReasonCredentialsMismatch: credentials are missing or are not the
	// account's.
	ReasonCredentialsMismatch Reason = "credentials_mismatch"
	// ReasonUntrustedResourceURL: a document URL does not point at the
	// account's provider API over HTTPS.
	ReasonUntrustedResourceURL Reason = "untrusted_resource_url"
	// ReasonMalformed: the callback cannot be read or lacks a required field.
	ReasonMalformed Reason = "malformed"
	// ReasonUnknownAccount: no account of the provider has this id.
	ReasonUnknownAccount Reason = "unknown_account"
	// ReasonUnknownProvider: faxpipe has no adapter for the provider.
	ReasonUnknownProvider Reason = "unknown_provider"
	// ReasonUnknownEvent: the callback is well formed but of a kind faxpipe
	// does not know.
	ReasonUnknownEvent Reason = "unknown_event"
	// ReasonProcessingFailed: processing kept failing (a transient fault
	// that never cleared, or a bug) until the last allowed delivery; the
	// callback is kept here rather than lost or left blocking others.
	ReasonProcessingFailed Reason = "processing_failed"
	// ReasonBeyondDedupeHorizon: the raw callback was received longer ago
	// than the processor remembers event ids (streams.dedupe_ttl less a
	// margin): its event, if it was ever published, may be forgotten, so
	// publishing it now could publish it twice. A replay of old raw
	// messages ends here.
	ReasonBeyondDedupeHorizon Reason = "beyond_dedupe_horizon"
	// ReasonStale: the provider says the fax completed longer ago than the
	// processor remembers event ids: a callback captured then and sent
	// again now. Its event, if it was published, may be forgotten.
	ReasonStale Reason = "stale"
)

// Reasons lists every Reason, for schemas, metrics and tests.
var Reasons = []Reason{
	ReasonSignatureInvalid, ReasonTokenExpired, ReasonCredentialsMismatch,
	ReasonUntrustedResourceURL, ReasonMalformed, ReasonUnknownAccount,
	ReasonUnknownProvider, ReasonUnknownEvent, ReasonProcessingFailed,
	ReasonBeyondDedupeHorizon, ReasonStale,
}

// Error returns the reason itself, e.g. "token_expired".
func (r Reason) Error() string { return string(r) }

// ReasonOf returns the Reason err wraps, and false if it wraps none.
func ReasonOf(err error) (Reason, bool) {
	var r Reason
	if errors.As(err, &r) {
		return r, true
	}
	return "", false
}

// VerificationReasons are the reasons that say a callback is not
// authentic: it was not sent by the account's provider, or not now. The
// ingress refuses such a callback (401) instead of storing it.
var VerificationReasons = []Reason{ReasonSignatureInvalid, ReasonTokenExpired, ReasonCredentialsMismatch}

// IsVerificationFailure reports whether err wraps one of
// VerificationReasons.
func IsVerificationFailure(err error) bool {
	r, ok := ReasonOf(err)
	return ok && slices.Contains(VerificationReasons, r)
}
