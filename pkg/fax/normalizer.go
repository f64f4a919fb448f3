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
