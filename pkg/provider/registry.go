// Package provider is the one table of the providers faxpipe knows. Adding a
// provider is one new package under pkg/provider and one line here.
package provider

import (
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// Callbacks maps each provider to how it calls faxpipe.
var Callbacks = map[fax.Provider]fax.CallbackSpec{
	fax.Sfax:  sfax.Callback,
	fax.GoFax: gofax.Callback,
	fax.EFax:  efax.Callback,
}
