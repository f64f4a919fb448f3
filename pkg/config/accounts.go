package config

import (
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Accounts are the configured accounts of every provider, in the order of
// the file (accounts.<provider>[i]). Each is a pointer to its provider
// package's account type (sfax.Account, …), which the loader decodes from
// YAML strictly; an account id is the last segment of its callback URL,
// /callbacks/{provider}/{id}.
type Accounts []ProviderAccount

// ProviderAccount is one account of some provider, as its provider package
// defines it: a struct embedding AccountBase (which gives Base and a nil
// SecretQueryParams), used through a pointer.
type ProviderAccount interface {
	// Provider names the account's provider: accounts.<provider> in YAML.
	Provider() fax.Provider
	// Base is what every account has, to read or rewrite in place.
	Base() *AccountBase
	// SecretQueryParams are the account's own secret query parameters (a
	// GoFax URL secret), beside those of its provider's CallbackSpec.
	SecretQueryParams() []string
	// Secrets lists every Secret of the account by its YAML path inside the
	// account (e.g. "basic_auth.password"), each with the uses that need
	// it: the loader resolves those the process uses and withholds the
	// others.
	Secrets() map[string]UsedSecret
	// ApplyDefaults fills the provider's defaults (api_base_url, …) where
	// the file is silent.
	ApplyDefaults()
	// Validate checks the account's own fields — what AccountBase has is
	// checked by the loader — naming each bad one field+"."+name.
	Validate(ck *Checker, field string)
}

// AccountTypes are the account types the loader knows: a zero account of
// each provider (new(sfax.Account), …). A provider not listed is an
// unknown provider.
type AccountTypes []ProviderAccount

// AccountBase is what every account has.
type AccountBase struct {
	ID string `yaml:"id"`
	// Verify turns callback verification on (the default). Turning it off must
	// be explicit (verify: false) and is warned about at start-up.
	Verify *bool `yaml:"verify"`
	// APIBaseURL is the provider API the downloader fetches documents from
	// and eFax resource_url hosts are checked against; a simulator's URL in
	// tests.
	APIBaseURL string `yaml:"api_base_url"`
	// Reconcile lets the reconciler list the account's received faxes
	// through the provider's API (the default, where the provider has a
	// listing API); reconcile: false leaves the account to its webhooks.
	Reconcile *bool `yaml:"reconcile"`
}

// Reconciles reports whether the reconciler lists the account's faxes.
func (a AccountBase) Reconciles() bool { return a.Reconcile == nil || *a.Reconcile }

// Verifies reports whether callbacks of the account are verified.
func (a AccountBase) Verifies() bool { return a.Verify == nil || *a.Verify }

// Base returns a itself: every account type embedding AccountBase has it.
func (a *AccountBase) Base() *AccountBase { return a }

// SecretQueryParams is none: an account type with its own overrides it.
func (a *AccountBase) SecretQueryParams() []string { return nil }

// AccountsOf returns the accounts of type A (its provider's account type)
// among a, as copies in configured order: how a provider package reads its
// own accounts.
func AccountsOf[A any, P interface {
	*A
	ProviderAccount
}](a Accounts) []A {
	var out []A
	for _, acc := range a {
		if p, ok := acc.(P); ok {
			out = append(out, *p)
		}
	}
	return out
}

// Clone returns a copy of a whose accounts are copies: rewriting one never
// touches a's.
func (a Accounts) Clone() Accounts {
	out := make(Accounts, len(a))
	for i, acc := range a {
		v := reflect.New(reflect.TypeOf(acc).Elem())
		v.Elem().Set(reflect.ValueOf(acc).Elem())
		out[i] = v.Interface().(ProviderAccount) //nolint:forcetypeassert // the same type as acc
	}
	return out
}

// Account is what the ingress needs of any account.
type Account struct {
	Provider fax.Provider
	ID       string
	// SecretQueryParams are the account's own secret query parameters (a
	// GoFax URL secret), beside those of its provider.
	SecretQueryParams []string
}

// All lists every configured account with what the ingress needs of it.
func (a Accounts) All() []Account {
	var out []Account
	for _, acc := range a {
		out = append(out, Account{Provider: acc.Provider(), ID: acc.Base().ID, SecretQueryParams: acc.SecretQueryParams()})
	}
	return out
}

// Unverified lists "provider/id" of every account with verification turned
// off, for the start-up warning.
func (a Accounts) Unverified() []string {
	var out []string
	for _, acc := range a {
		if b := acc.Base(); !b.Verifies() {
			out = append(out, string(acc.Provider())+"/"+b.ID)
		}
	}
	return out
}

// OtherAPIBaseURLs is an account whose provider's API hands out links on
// other hosts than api_base_url (Telnyx's media links): the downloader
// may fetch from those too.
type OtherAPIBaseURLs interface {
	OtherAPIBaseURLs() []string
}

// APIBaseURLs lists the api_base_url of every account, and the other
// origins an account names (OtherAPIBaseURLs): the only places the
// downloader may send a request.
func (a Accounts) APIBaseURLs() []string {
	var out []string
	for _, acc := range a {
		out = append(out, acc.Base().APIBaseURL)
		if o, ok := acc.(OtherAPIBaseURLs); ok {
			out = append(out, o.OtherAPIBaseURLs()...)
		}
	}
	return out
}

// Format prints each account as provider/id only, whatever the verb: an
// account's fields hold secrets, and fmt does not reach their own Format
// through a pointer inside a slice.
func (a Accounts) Format(f fmt.State, _ rune) {
	ids := make([]string, len(a))
	for i, acc := range a {
		ids[i] = string(acc.Provider()) + "/" + acc.Base().ID
	}
	_, _ = io.WriteString(f, "["+strings.Join(ids, " ")+"]")
}
