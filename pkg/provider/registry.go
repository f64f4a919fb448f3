// Package provider is the one table of the providers faxpipe knows, and
// what main builds from it. Adding a provider is one new package under
// pkg/provider/<name> (see providerdef), its simulation in
// pkg/provider/<name>/<name>sim (a sim.Provider), and one line in
// entries.
package provider

import (
	"maps"
	"slices"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax/efaxsim"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax/gofaxsim"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax/sfaxsim"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx/telnyxsim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
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
	// NewLister builds the provider's lister of received faxes (for the
	// reconciler) for its accounts among accounts; nil, nil when the
	// provider has no listing API.
	NewLister(config.Accounts, docfetch.Options) (listing.Lister, error)
	// NewCredentialChecker builds the checker of the API credentials of
	// the provider's accounts among accounts (`faxpipe doctor`); nil, nil
	// when the provider has none.
	NewCredentialChecker(config.Accounts, docfetch.Options) (docfetch.CredentialChecker, error)
}

// Entry is one provider: what faxpipe knows of it, and how the simulator
// (pkg/tools/sim) plays it.
type Entry struct {
	Provider Provider
	Sim      sim.Provider
}

// entries lists the providers, one line each, in the order the simulator
// picks among them.
var entries = []Entry{
	{sfax.Provider, sfaxsim.Sim},
	{gofax.Provider, gofaxsim.Sim},
	{efax.Provider, efaxsim.Sim},
	{telnyx.Provider, telnyxsim.Sim},
}

// Registry maps each provider's name to what faxpipe knows of it (from
// entries).
var Registry = byName(entries)

func byName(es []Entry) map[fax.Provider]Provider {
	out := make(map[fax.Provider]Provider, len(es))
	for _, e := range es {
		out[e.Provider.Name()] = e.Provider
	}
	return out
}

// Sims are the providers' simulations, in the order of entries, for
// sim.New and sim.Main.
var Sims = sims(entries)

func sims(es []Entry) []sim.Provider {
	out := make([]sim.Provider, len(es))
	for i, e := range es {
		out[i] = e.Sim
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
