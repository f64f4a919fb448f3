package gofax

import (
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Name is the provider's name in callback URLs, subjects and
// configuration (accounts.gofax).
const Name = fax.GoFax

// DefaultAPIBaseURL is the GoFax API of an account that names none.
const DefaultAPIBaseURL = "https://restful-api.gofax.com.au"

// Account is a GoFax account (accounts.gofax[i]). Callbacks authenticate
// with Basic auth or with a secret query parameter in the URL configured at
// GoFax.
type Account struct {
	config.AccountBase `yaml:",inline"`
	BasicAuth          BasicAuth     `yaml:"basic_auth"`
	URLSecret          URLSecret     `yaml:"url_secret"`
	APIToken           config.Secret `yaml:"api_token"` // the token query parameter of API calls
}

// BasicAuth is a user name and password.
type BasicAuth struct {
	Username string        `yaml:"username"`
	Password config.Secret `yaml:"password"`
}

// URLSecret is a secret carried as a query parameter of the callback URL.
type URLSecret struct {
	Param string        `yaml:"param"` // parameter name, e.g. "secret"
	Value config.Secret `yaml:"value"`
}

// Provider is GoFax.
func (*Account) Provider() fax.Provider { return Name }

// SecretQueryParams is the URL secret's parameter, if any: the ingress
// stores its digest only.
func (a *Account) SecretQueryParams() []string {
	if a.URLSecret.Param == "" {
		return nil
	}
	return []string{a.URLSecret.Param}
}

// Secrets lists the account's secrets by YAML path.
func (a *Account) Secrets() map[string]*config.Secret {
	return map[string]*config.Secret{"basic_auth.password": &a.BasicAuth.Password, "url_secret.value": &a.URLSecret.Value, "api_token": &a.APIToken}
}

// ApplyDefaults sets the GoFax API where unset.
func (a *Account) ApplyDefaults() {
	if a.APIBaseURL == "" {
		a.APIBaseURL = DefaultAPIBaseURL
	}
}

// Validate checks that each credential is complete and that a verifying
// account has one.
func (a *Account) Validate(ck *config.Checker, f string) {
	hasBasic, hasURL := a.BasicAuth.Username != "", a.URLSecret.Param != ""
	ck.Check(!hasBasic || a.BasicAuth.Password.IsSet(), f+".basic_auth.password", "must be set with basic_auth.username")
	ck.Check(!hasURL || a.URLSecret.Value.IsSet(), f+".url_secret.value", "must be set with url_secret.param")
	ck.Check(!a.Verifies() || hasBasic || hasURL, f+".basic_auth", "set basic_auth or url_secret, or verify: false explicitly")
}
