// Package providerdef is the shape every provider package fills in once:
// its callback spec, its account type and its constructors, taken from the
// package's own functions. The registry (package provider) lists the
// values; nothing else needs to know a provider by name.
package providerdef

import (
	"fmt"
	"net/url"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
)

// Def is one provider: A is its account type (accounts.<name>[i] in
// YAML), P a pointer to it. Its constructors take the provider's own
// accounts; Def's methods pick them out of the whole configuration.
type Def[A any, P interface {
	*A
	config.ProviderAccount
}] struct {
	// Spec is how the provider calls the ingress.
	Spec fax.CallbackSpec
	// Normalizer builds the verifier and normalizer of the accounts.
	Normalizer func([]A, *fax.Digester) (fax.Normalizer, error)
	// Documents builds the document client of the accounts.
	Documents func([]A, docfetch.Options) (docfetch.Client, error)
	// Lister builds the lister of the accounts' received faxes, for the
	// reconciler; nil for a provider with no listing API.
	Lister func([]A, docfetch.Options) (listing.Lister, error)
	// Credentials builds the checker of the accounts' API credentials,
	// for `faxpipe doctor`; nil for a provider that has none.
	Credentials func([]A, docfetch.Options) (docfetch.CredentialChecker, error)
}

// Name is the provider's name, as its account type gives it.
func (d Def[A, P]) Name() fax.Provider { return d.NewAccount().Provider() }

// Callback is how the provider calls the ingress.
func (d Def[A, P]) Callback() fax.CallbackSpec { return d.Spec }

// NewAccount returns a zero account of the provider's type, for the
// configuration loader (config.AccountTypes).
func (d Def[A, P]) NewAccount() config.ProviderAccount { return P(new(A)) }

// NewNormalizer builds the provider's normalizer for its accounts among
// accounts.
func (d Def[A, P]) NewNormalizer(accounts config.Accounts, dg *fax.Digester) (fax.Normalizer, error) {
	return d.Normalizer(config.AccountsOf[A, P](accounts), dg)
}

// NewDocumentClient builds the provider's document client for its
// accounts among accounts.
func (d Def[A, P]) NewDocumentClient(accounts config.Accounts, opts docfetch.Options) (docfetch.Client, error) {
	return d.Documents(config.AccountsOf[A, P](accounts), opts)
}

// NewLister builds the provider's lister of received faxes for its
// accounts among accounts; nil, nil when the provider has no listing API.
func (d Def[A, P]) NewLister(accounts config.Accounts, opts docfetch.Options) (listing.Lister, error) {
	if d.Lister == nil {
		return nil, nil
	}
	return d.Lister(config.AccountsOf[A, P](accounts), opts)
}

// NewCredentialChecker builds the checker of the API credentials of the
// provider's accounts among accounts; nil, nil when the provider has none.
func (d Def[A, P]) NewCredentialChecker(accounts config.Accounts, opts docfetch.Options) (docfetch.CredentialChecker, error) {
	if d.Credentials == nil {
		return nil, nil
	}
	return d.Credentials(config.AccountsOf[A, P](accounts), opts)
}

// Index maps each account's id to mk(account): the accounts of one
// provider's constructor, checked once. It fails on a repeated account id
// (naming the provider) or on mk's first error.
func Index[A any, P interface {
	*A
	config.ProviderAccount
}, V any](accounts []A, mk func(A) (V, error)) (map[string]V, error) {
	out := make(map[string]V, len(accounts))
	for _, a := range accounts {
		p := P(&a)
		id := p.Base().ID
		if _, dup := out[id]; dup {
			return nil, fmt.Errorf("%s: account %q configured twice", p.Provider(), id)
		}
		v, err := mk(a)
		if err != nil {
			return nil, err
		}
		out[id] = v
	}
	return out, nil
}

// AbsoluteAPIBaseURL fails unless the account's api_base_url is an
// absolute URL.
func AbsoluteAPIBaseURL(p config.ProviderAccount) error {
	b := p.Base()
	if u, err := url.Parse(b.APIBaseURL); err != nil || u.Host == "" {
		return fmt.Errorf("%s: account %q API base URL %q is not an absolute URL", p.Provider(), b.ID, b.APIBaseURL)
	}
	return nil
}
