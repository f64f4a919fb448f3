package provider

import (
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Adapters is a fax.Adapter for every provider: it hands each raw message
// to its provider's adapter.
type Adapters map[fax.Provider]fax.Adapter

// NewAdapters builds the adapter of every provider in Registry for the
// configured accounts. An error names the provider whose adapter failed.
func NewAdapters(accounts config.Accounts, d *fax.Digester) (Adapters, error) {
	out := make(Adapters, len(Registry))
	for p, e := range Registry {
		a, err := e.NewAdapter(accounts, d)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", p, err)
		}
		out[p] = a
	}
	return out, nil
}

// Normalize verifies and normalizes raw with its provider's adapter (see
// fax.Adapter). A message without an envelope is malformed; one of a
// provider without an adapter is unknown_provider.
func (as Adapters) Normalize(raw fax.RawMessage) (fax.Event, error) {
	if raw.Envelope == nil {
		return fax.Event{}, fmt.Errorf("no envelope: %w", fax.ReasonMalformed)
	}
	a, ok := as[raw.Envelope.Provider]
	if !ok {
		return fax.Event{}, fmt.Errorf("provider %q: %w", raw.Envelope.Provider, fax.ReasonUnknownProvider)
	}
	return a.Normalize(raw)
}
