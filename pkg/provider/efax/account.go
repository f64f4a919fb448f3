package efax

import (
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Name is the provider's name in callback URLs, subjects and
// configuration (accounts.efax).
const Name = fax.EFax

// DefaultAPIBaseURL is the eFax Enterprise API of an account that names
// none.
const DefaultAPIBaseURL = "https://api.securedocex.com"

// Account is an eFax Enterprise app (accounts.efax[i]).
type Account struct {
	config.AccountBase `yaml:",inline"`
	AppID              string        `yaml:"app_id"`
	APIKey             config.Secret `yaml:"api_key"`     // with app_id, the client credentials for /tokens
	HMACSecret         config.Secret `yaml:"hmac_secret"` // signs X-HMAC-Signature
}

// Provider is eFax.
func (*Account) Provider() fax.Provider { return Name }

// Secrets lists the account's secrets by YAML path.
func (a *Account) Secrets() map[string]*config.Secret {
	return map[string]*config.Secret{"api_key": &a.APIKey, "hmac_secret": &a.HMACSecret}
}

// ApplyDefaults sets the eFax API where unset.
func (a *Account) ApplyDefaults() {
	if a.APIBaseURL == "" {
		a.APIBaseURL = DefaultAPIBaseURL
	}
}

// Validate checks that a verifying account has its HMAC secret.
func (a *Account) Validate(ck *config.Checker, f string) {
	ck.Check(!a.Verifies() || a.HMACSecret.IsSet(), f+".hmac_secret", "must be set unless verify: false")
}
