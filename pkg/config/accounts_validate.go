package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func (a Accounts) validate(ck *checker) {
	seen := map[string]bool{}
	for i, acc := range a.Sfax {
		f := fmt.Sprintf("accounts.sfax[%d]", i)
		validateBase(ck, f, acc.AccountBase, seen)
		ck.check(acc.Username != "", f+".username", "must be set")
		ck.check(acc.APIKey.IsSet(), f+".api_key", "must be set")
		ck.check(len(acc.EncryptionKey.Reveal()) == 32, f+".encryption_key", "must be 32 bytes, got %d", len(acc.EncryptionKey.Reveal()))
		ck.check(len(acc.InitVector.Reveal()) == 16, f+".init_vector", "must be 16 bytes, got %d", len(acc.InitVector.Reveal()))
		ck.check(acc.TokenWindow > 0, f+".token_window", "must be positive")
	}
	seen = map[string]bool{}
	for i, acc := range a.GoFax {
		f := fmt.Sprintf("accounts.gofax[%d]", i)
		validateBase(ck, f, acc.AccountBase, seen)
		hasBasic, hasURL := acc.BasicAuth.Username != "", acc.URLSecret.Param != ""
		ck.check(!hasBasic || acc.BasicAuth.Password.IsSet(), f+".basic_auth.password", "must be set with basic_auth.username")
		ck.check(!hasURL || acc.URLSecret.Value.IsSet(), f+".url_secret.value", "must be set with url_secret.param")
		ck.check(!acc.Verifies() || hasBasic || hasURL, f+".basic_auth", "set basic_auth or url_secret, or verify: false explicitly")
	}
	seen = map[string]bool{}
	for i, acc := range a.EFax {
		f := fmt.Sprintf("accounts.efax[%d]", i)
		validateBase(ck, f, acc.AccountBase, seen)
		ck.check(!acc.Verifies() || acc.HMACSecret.IsSet(), f+".hmac_secret", "must be set unless verify: false")
	}
}

// resolveSecrets reads every secret from its source and reports, in field
// order, each that fails.
func (c *Config) resolveSecrets(getenv func(string) string) error {
	secrets := c.secrets()
	var errs []error
	for _, field := range slices.Sorted(maps.Keys(secrets)) {
		if err := secrets[field].Resolve(getenv); err != nil {
			errs = append(errs, &FieldError{Field: field, Msg: err.Error()})
		}
	}
	return errors.Join(errs...)
}

// secrets lists every Secret of the configuration by its YAML path.
func (c *Config) secrets() map[string]*Secret {
	m := map[string]*Secret{"pipeline.key": &c.Pipeline.Key}
	for i := range c.Pipeline.PreviousKeys {
		m[fmt.Sprintf("pipeline.previous_keys[%d]", i)] = &c.Pipeline.PreviousKeys[i]
	}
	for i := range c.Accounts.Sfax {
		a, f := &c.Accounts.Sfax[i], fmt.Sprintf("accounts.sfax[%d].", i)
		m[f+"api_key"], m[f+"encryption_key"], m[f+"init_vector"] = &a.APIKey, &a.EncryptionKey, &a.InitVector
	}
	for i := range c.Accounts.GoFax {
		a, f := &c.Accounts.GoFax[i], fmt.Sprintf("accounts.gofax[%d].", i)
		m[f+"basic_auth.password"], m[f+"url_secret.value"], m[f+"api_token"] = &a.BasicAuth.Password, &a.URLSecret.Value, &a.APIToken
	}
	for i := range c.Accounts.EFax {
		a, f := &c.Accounts.EFax[i], fmt.Sprintf("accounts.efax[%d].", i)
		m[f+"api_key"], m[f+"hmac_secret"] = &a.APIKey, &a.HMACSecret
	}
	return m
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
	for _, s := range a.Sfax {
		out = append(out, Account{Provider: fax.Sfax, ID: s.ID})
	}
	for _, g := range a.GoFax {
		acc := Account{Provider: fax.GoFax, ID: g.ID}
		if g.URLSecret.Param != "" {
			acc.SecretQueryParams = []string{g.URLSecret.Param}
		}
		out = append(out, acc)
	}
	for _, e := range a.EFax {
		out = append(out, Account{Provider: fax.EFax, ID: e.ID})
	}
	return out
}

// Unverified lists "provider/id" of every account with verification turned
// off, for the start-up warning.
func (a Accounts) Unverified() []string {
	var out []string
	a.each(func(p fax.Provider, b AccountBase) {
		if !b.Verifies() {
			out = append(out, string(p)+"/"+b.ID)
		}
	})
	return out
}

// APIBaseURLs lists the api_base_url of every account.
func (a Accounts) APIBaseURLs() []string {
	var out []string
	a.each(func(_ fax.Provider, b AccountBase) { out = append(out, b.APIBaseURL) })
	return out
}

// each calls f with the common part of every account.
func (a Accounts) each(f func(fax.Provider, AccountBase)) {
	for _, s := range a.Sfax {
		f(fax.Sfax, s.AccountBase)
	}
	for _, g := range a.GoFax {
		f(fax.GoFax, g.AccountBase)
	}
	for _, e := range a.EFax {
		f(fax.EFax, e.AccountBase)
	}
}
