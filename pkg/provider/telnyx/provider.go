package telnyx

import "github.com/faxpipe/faxpipe/pkg/provider/providerdef"

// Provider is everything faxpipe knows of the provider, for the registry
// (package provider).
var Provider = providerdef.Def[Account, *Account]{
	Spec: Callback, Normalizer: NewNormalizer, Documents: NewDocumentClient, Lister: NewLister,
	Credentials: NewCredentialChecker,
}
