package provider

import (
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
)

// NewListers builds the lister of received faxes of every provider in
// Registry that has a listing API, for the configured accounts; providers
// without one are absent. An error names the provider whose lister failed.
func NewListers(accounts config.Accounts, opts docfetch.Options) (map[fax.Provider]listing.Lister, error) {
	return perProvider(func(p Provider) (listing.Lister, error) { return p.NewLister(accounts, opts) })
}

// NewCredentialCheckers builds the checker of the API credentials of
// every provider in Registry that has one, for the configured accounts;
// providers without one are absent. An error names the provider whose
// checker failed.
func NewCredentialCheckers(accounts config.Accounts, opts docfetch.Options) (map[fax.Provider]docfetch.CredentialChecker, error) {
	return perProvider(func(p Provider) (docfetch.CredentialChecker, error) { return p.NewCredentialChecker(accounts, opts) })
}

// perProvider is what build makes of every provider in Registry, nil
// results left out; an error names the provider whose build failed.
func perProvider[T comparable](build func(Provider) (T, error)) (map[fax.Provider]T, error) {
	out := map[fax.Provider]T{}
	var none T
	for p, e := range Registry {
		v, err := build(e)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", p, err)
		}
		if v != none {
			out[p] = v
		}
	}
	return out, nil
}
