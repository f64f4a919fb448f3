// Package provider is the one table of the providers faxpipe knows, and
// what main builds from it. Adding a provider is one new package under
// pkg/provider/<name> (see providerdef) and one line in Registry.
package provider

import (
	"maps"
	"slices"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// Provider is everything faxpipe knows of one provider. Each provider
// package exports one, named Provider (a providerdef.Def).
type Provider interface {
	// Name is the provider's name: in callback URLs, subjects, events and
	// the configuration (accounts.<name>).
	Name() fax.Provider
	// Callback is how the provider calls the ingress.
	Callback() fax.CallbackSpec
	// NewAccount returns a zero account of the provider's own type, which
	// decodes, defaults and validates accounts.<name>[i].
	NewAccount() config.ProviderAccount
	// NewNormalizer builds the provider's normalizer (verify and normalize) for
	// its accounts among accounts, digests checked with the digester.
	NewNormalizer(config.Accounts, *fax.Digester) (fax.Normalizer, error)
	// NewDocumentClient builds the provider's document client for its
	// accounts among accounts.
	NewDocumentClient(config.Accounts, docfetch.Options) (docfetch.Client, error)
}

// Registry lists the providers, one line each.
var Registry = byName(
	sfax.Provider,
	gofax.Provider,
	efax.Provider,
)

func byName(ps ...Provider) map[fax.Provider]Provider {
	out := make(map[fax.Provider]Provider, len(ps))
	for _, p := range ps {
		out[p.Name()] = p
	}
	return out
}

// Callbacks maps each provider to how it calls faxpipe (from Registry).
var Callbacks = callbacks()

func callbacks() map[fax.Provider]fax.CallbackSpec {
	out := make(map[fax.Provider]fax.CallbackSpec, len(Registry))
	for p, e := range Registry {
		out[p] = e.Callback()
	}
	return out
}

// AccountTypes are the account types of every provider in Registry, for
// config.Load.
func AccountTypes() config.AccountTypes {
	var out config.AccountTypes
	for _, p := range slices.Sorted(maps.Keys(Registry)) {
		out = append(out, Registry[p].NewAccount())
	}
	return out
}
