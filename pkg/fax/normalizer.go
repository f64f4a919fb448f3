package fax

import "fmt"

// RawMessage is a raw callback as the processor reads it from FAXPIPE_RAW:
// the envelope and its stream sequence.
type RawMessage struct {
	Envelope  *Envelope
	StreamSeq uint64
}

// Normalizer verifies and normalizes the raw callbacks of one provider. Each
// provider package builds one from the provider's configured accounts.
//
// Normalize is pure: it does no I/O and never reads the clock, so the same
// raw message always gives the same result (verification uses the
// envelope's ReceivedAt). It either returns an event, or the zero Event and
// an error that wraps a Reason — a permanent rejection. It must be safe for
// concurrent use and must not panic on any input.
type Normalizer interface {
	Normalize(raw RawMessage) (Event, error)
}

// CheckEnvelope rejects a raw message that no adapter of provider p may
// read: a missing envelope (malformed), one of another provider, or one of
// an unknown origin.
func CheckEnvelope(raw RawMessage, p Provider) error {
	switch {
	case raw.Envelope == nil:
		return fmt.Errorf("no envelope: %w", ReasonMalformed)
	case raw.Envelope.Provider != p:
		return fmt.Errorf("envelope of provider %q given to the %s adapter: %w", raw.Envelope.Provider, p, ReasonMalformed)
	case raw.Envelope.Origin != "" && raw.Envelope.Origin != OriginWebhook && raw.Envelope.Origin != OriginAPI:
		return fmt.Errorf("envelope of unknown origin %q: %w", raw.Envelope.Origin, ReasonMalformed)
	case !raw.Envelope.FromAPI() && raw.Envelope.Seal != "":
		return fmt.Errorf("a webhook's envelope carries a seal: %w", ReasonMalformed)
	}
	return nil
}

// Verifier checks that webhooks are authentic, and nothing else: the
// ingress asks it about each callback before storing it. Verify reads the
// envelope exactly as the ingress captured it (secrets digested), with its
// ReceivedAt as the receipt time, and applies the same checks, on the same
// bytes, as Normalize does before it reads a single field, so that
// whatever Verify accepts Normalize does not reject for want of
// authenticity (a key rotated in between aside).
//
// Verify returns nil for an authentic webhook and for every webhook of an
// account with verification off. Otherwise it returns an error wrapping
// one of VerificationReasons, whatever the rest of the request holds: an
// unauthenticated request never meets a parsing error first. An envelope
// no webhook of the provider's accounts can be (another provider's, an
// unknown account's, one that says it came from the API) gives the reason
// Normalize gives; one that says it came from the API is no webhook
// (signature_invalid, where the provider has an API). Like Normalize it is
// pure, safe for concurrent use and never panics.
type Verifier interface {
	Verify(raw RawMessage) error
}
