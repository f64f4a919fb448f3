// Package provider is the one table of the providers faxpipe knows. Adding a
// provider is one new package under pkg/provider and one line in Registry.
package provider

import (
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// AdapterFactory builds a provider's adapter for its accounts in the
// configuration, digests checked with the pipeline's digester. Every
// provider package exports one, named NewAdapter.
type AdapterFactory func(config.Accounts, *fax.Digester) (fax.Adapter, error)

// Entry is everything faxpipe knows of one provider: how it calls the
// ingress and how the processor reads what it sent.
type Entry struct {
	Callback   fax.CallbackSpec
	NewAdapter AdapterFactory
}

// Registry lists the providers, one line each.
var Registry = map[fax.Provider]Entry{
	fax.Sfax:  {Callback: sfax.Callback, NewAdapter: sfax.NewAdapter},
	fax.GoFax: {Callback: gofax.Callback, NewAdapter: gofax.NewAdapter},
	fax.EFax:  {Callback: efax.Callback, NewAdapter: efax.NewAdapter},
}

// Callbacks maps each provider to how it calls faxpipe (from Registry).
var Callbacks = callbacks()

func callbacks() map[fax.Provider]fax.CallbackSpec {
	out := make(map[fax.Provider]fax.CallbackSpec, len(Registry))
	for p, e := range Registry {
		out[p] = e.Callback
	}
	return out
}
