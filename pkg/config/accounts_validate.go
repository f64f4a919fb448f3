package config

import (
	"errors"
	"fmt"
	"maps"
	"net/url"
	"slices"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// fields names each account by its YAML path, accounts.<provider>[i], i
// counting that provider's accounts.
func (a Accounts) fields() []string {
	out := make([]string, len(a))
	n := map[fax.Provider]int{}
	for i, acc := range a {
		p := acc.Provider()
		out[i] = fmt.Sprintf("accounts.%s[%d]", p, n[p])
		n[p]++
	}
	return out
}

// validate checks what every account has, that ids are unique per
// provider, and then each account's own fields. allowHTTP accepts an
// http:// api_base_url (downloader.allow_private_networks: a local
// simulator).
func (a Accounts) validate(ck *Checker, allowHTTP bool) {
	seen := map[fax.Provider]map[string]bool{}
	for i, field := range a.fields() {
		p := a[i].Provider()
		if seen[p] == nil {
			seen[p] = map[string]bool{}
		}
		validateBase(ck, field, *a[i].Base(), seen[p], allowHTTP)
		a[i].Validate(ck, field)
	}
}

// validateBase checks what every account has and that ids are unique.
func validateBase(ck *Checker, field string, a AccountBase, seen map[string]bool, allowHTTP bool) {
	if err := fax.ValidateAccountID(a.ID); err != nil {
		ck.Fail(field+".id", "%v", err)
	}
	ck.Check(!seen[a.ID], field+".id", "duplicate account id %q", a.ID)
	seen[a.ID] = true
	u, err := url.Parse(a.APIBaseURL)
	switch {
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		ck.Fail(field+".api_base_url", "%q is not an http(s) URL", a.APIBaseURL)
	case u.Scheme == "http" && !allowHTTP:
		ck.Fail(field+".api_base_url", "%q is plain http: the account's credentials and the (medical) documents fetched would cross the network in clear; use https, or set downloader.allow_private_networks: true for a local simulator", a.APIBaseURL)
	}
}

// applyAccountDefaults fills per-account defaults that depend on the provider.
func (c *Config) applyAccountDefaults() {
	for _, acc := range c.Accounts {
		acc.ApplyDefaults()
	}
}

// resolveSecrets reads every secret that uses need from its source and
// reports, in field order, each that fails; every other secret is
// withheld: neither read (its variable or file need not exist) nor
// validated.
func (c *Config) resolveSecrets(getenv func(string) string, uses Uses) error {
	secrets, by := c.secrets(), c.secretUses()
	var errs []error
	for _, field := range slices.Sorted(maps.Keys(secrets)) {
		if by[field]&uses == 0 {
			secrets[field].withhold()
			continue
		}
		if err := secrets[field].Resolve(getenv); err != nil {
			errs = append(errs, &FieldError{Field: field, Msg: err.Error()})
		}
	}
	return errors.Join(errs...)
}

// secrets lists every Secret of the configuration by its YAML path. Who
// uses one outside the accounts follows from its path (usesOfPath); an
// account's Secrets say it themselves.
func (c *Config) secrets() map[string]*Secret {
	m := map[string]*Secret{
		"pipeline.key":                          &c.Pipeline.Key,
		"admin.metrics_token":                   &c.Admin.MetricsToken,
		"nats.password":                         &c.NATS.Password,
		"nats.token":                            &c.NATS.Token,
		"nats.embedded.encryption.key":          &c.NATS.Embedded.Encryption.Key,
		"nats.embedded.encryption.previous_key": &c.NATS.Embedded.Encryption.PreviousKey,
	}
	for i := range c.Pipeline.PreviousKeys {
		m[fmt.Sprintf("pipeline.previous_keys[%d]", i)] = &c.Pipeline.PreviousKeys[i]
	}
	for i := range c.NATS.Embedded.Users {
		m[fmt.Sprintf("nats.embedded.users[%d].password", i)] = &c.NATS.Embedded.Users[i].Password
	}
	for i, field := range c.Accounts.fields() {
		for name, s := range c.Accounts[i].Secrets() {
			m[field+"."+name] = s.Secret
		}
	}
	return m
}

// secretUses is, for every secret of secrets, the uses that need it. The
// simulator plays the providers, so it uses every account's secrets.
func (c *Config) secretUses() map[string]Uses {
	out := map[string]Uses{}
	for field := range c.secrets() {
		out[field] = usesOfPath(field)
	}
	for i, field := range c.Accounts.fields() {
		for name, s := range c.Accounts[i].Secrets() {
			out[field+"."+name] = s.By | UseSimulator
		}
	}
	return out
}

// withheldFields are the YAML paths of the secrets the loader withheld:
// validation does not report them.
func (c *Config) withheldFields() map[string]bool {
	out := map[string]bool{}
	for field, s := range c.secrets() {
		if s.Withheld() {
			out[field] = true
		}
	}
	return out
}
