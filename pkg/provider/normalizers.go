package provider

import (
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Normalizers is a fax.Normalizer for every provider: it hands each raw message
// to its provider's normalizer.
type Normalizers map[fax.Provider]fax.Normalizer

// NewNormalizers builds the normalizer of every provider in Registry for the
// configured accounts. An error names the provider whose normalizer failed.
func NewNormalizers(accounts config.Accounts, d *fax.Digester) (Normalizers, error) {
	out := make(Normalizers, len(Registry))
	for p, e := range Registry {
		a, err := e.NewNormalizer(accounts, d)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", p, err)
		}
		out[p] = a
	}
	return out, nil
}

// Normalize verifies and normalizes raw with its provider's normalizer (see
// fax.Normalizer). A message without an envelope is malformed; one of a
// provider without a normalizer is unknown_provider.
func (as Normalizers) Normalize(raw fax.RawMessage) (fax.Event, error) {
	if raw.Envelope == nil {
		return fax.Event{}, fmt.Errorf("no envelope: %w", fax.ReasonMalformed)
	}
	a, ok := as[raw.Envelope.Provider]
	if !ok {
		return fax.Event{}, fmt.Errorf("provider %q: %w", raw.Envelope.Provider, fax.ReasonUnknownProvider)
	}
	return a.Normalize(raw)
}

// Verify checks raw with its provider's verifier (see fax.Verifier). Every
// provider's normalizer is one (NewVerifier checks it). A message without
// an envelope is malformed; one of a provider without a normalizer is
// unknown_provider.
func (as Normalizers) Verify(raw fax.RawMessage) error {
	if raw.Envelope == nil {
		return fmt.Errorf("no envelope: %w", fax.ReasonMalformed)
	}
	v, ok := as[raw.Envelope.Provider].(fax.Verifier)
	if !ok {
		return fmt.Errorf("provider %q: %w", raw.Envelope.Provider, fax.ReasonUnknownProvider)
	}
	return v.Verify(raw)
}

// NewVerifier builds the verifier of every provider in Registry for the
// configured accounts, for the ingress: the providers' own normalizers,
// each of which must also be a fax.Verifier. An error names the provider
// whose normalizer failed or cannot verify on its own.
func NewVerifier(accounts config.Accounts, d *fax.Digester) (fax.Verifier, error) {
	ns, err := NewNormalizers(accounts, d)
	if err != nil {
		return nil, err
	}
	for p, n := range ns {
		if _, ok := n.(fax.Verifier); !ok {
			return nil, fmt.Errorf("provider %s: its normalizer has no Verify, so the ingress could not refuse its forgeries", p)
		}
	}
	return ns, nil
}
