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
	out := map[fax.Provider]listing.Lister{}
	for p, e := range Registry {
		l, err := e.NewLister(accounts, opts)
		if err != nil {
			return nil, fmt.Errorf("provider %s: %w", p, err)
		}
		if l != nil {
			out[p] = l
		}
	}
	return out, nil
}
