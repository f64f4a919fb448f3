package efax

import (
	"fmt"
	"strings"
	"unicode"

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
	// UserIDs are the eFax users whose received faxes the reconciler
	// lists: one listing per user, with the header user-id [doc]. Empty
	// lists once without the header, which eFax does not document (it
	// says every call carries user-id) [?]: against the real API, name
	// the users. The simulator (efaxsim) lists every user of the app
	// then, so an account configured by the simulator needs none.
	UserIDs []string `yaml:"user_ids"`
}

// Provider is eFax.
func (*Account) Provider() fax.Provider { return Name }

// Secrets lists the account's secrets by YAML path, with who uses them:
// the HMAC secret verifies webhooks; the API key (with app_id) obtains the
// API's tokens, for documents and listings.
func (a *Account) Secrets() map[string]config.UsedSecret {
	return map[string]config.UsedSecret{
		"api_key":     config.UsedBy(&a.APIKey, config.CallsProviderAPI),
		"hmac_secret": config.UsedBy(&a.HMACSecret, config.VerifiesCallbacks),
	}
}

// ApplyDefaults sets the eFax API where unset.
func (a *Account) ApplyDefaults() {
	if a.APIBaseURL == "" {
		a.APIBaseURL = DefaultAPIBaseURL
	}
}

// Validate checks that a verifying account has its HMAC secret and that
// each user id is one, listed once.
func (a *Account) Validate(ck *config.Checker, f string) {
	ck.Check(!a.Verifies() || a.HMACSecret.IsSet(), f+".hmac_secret", "must be set unless verify: false")
	seen := map[string]bool{}
	for i, u := range a.UserIDs {
		field := fmt.Sprintf("%s.user_ids[%d]", f, i)
		ck.Check(validUserID(u), field, "%q is not a user id: empty, or with a space or control character", u)
		ck.Check(!seen[u], field, "user id %q listed twice", u)
		seen[u] = true
	}
}

// validUserID reports whether u can be sent as the user-id header: not
// empty, no space, no control character.
func validUserID(u string) bool {
	return u != "" && !strings.ContainsFunc(u, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

// requireAPISecrets refuses an account whose API credentials the loader
// withheld (with app_id, the client credentials for the API's tokens): a process that does not call the
// API does not load them (config.LoadFor), and a client built without them
// would send empty ones.
func (a Account) requireAPISecrets() error {
	return config.RequireLoaded(&a, "api_key")
}
