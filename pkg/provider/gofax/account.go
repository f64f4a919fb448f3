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

// Secrets lists the account's secrets by YAML path, with who uses them:
// the callback credentials verify callbacks; the API token fetches
// documents, and only the downloader calls the API (GoFax has no listing
// API for the reconciler).
func (a *Account) Secrets() map[string]config.UsedSecret {
	return map[string]config.UsedSecret{
		"basic_auth.password": config.UsedBy(&a.BasicAuth.Password, config.VerifiesCallbacks),
		"url_secret.value":    config.UsedBy(&a.URLSecret.Value, config.VerifiesCallbacks),
		"api_token":           config.UsedBy(&a.APIToken, config.UseDownloader),
	}
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

// requireAPISecrets refuses an account whose API credentials the loader
// withheld (the token query parameter of every API call): a process that does not call the
// API does not load them (config.LoadFor), and a client built without them
// would send empty ones.
func (a Account) requireAPISecrets() error {
	return config.RequireLoaded(&a, "api_token")
}
