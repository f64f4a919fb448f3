package config

import "time"

// Accounts lists the configured accounts of each provider. An account id is
// the last segment of its callback URL, /callbacks/{provider}/{id}.
type Accounts struct {
	Sfax  []SfaxAccount  `yaml:"sfax"`
	GoFax []GoFaxAccount `yaml:"gofax"`
	EFax  []EFaxAccount  `yaml:"efax"`
}

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
}

// Verifies reports whether callbacks of the account are verified.
func (a AccountBase) Verifies() bool { return a.Verify == nil || *a.Verify }

// SfaxAccount is an Sfax account: the "master API user" whose credentials
// sign callbacks, and the AES key and IV of its tokens.
type SfaxAccount struct {
	AccountBase   `yaml:",inline"`
	Username      string        `yaml:"username"`
	APIKey        Secret        `yaml:"api_key"`        // 32 hex characters
	EncryptionKey Secret        `yaml:"encryption_key"` // 32 characters, the AES-256 key
	InitVector    Secret        `yaml:"init_vector"`    // 16 characters, the AES IV
	TokenWindow   time.Duration `yaml:"token_window"`   // accepted distance of GenDT from receipt
}

// GoFaxAccount is a GoFax account. Callbacks authenticate with Basic auth or
// with a secret query parameter in the URL configured at GoFax.
type GoFaxAccount struct {
	AccountBase `yaml:",inline"`
	BasicAuth   BasicAuth `yaml:"basic_auth"`
	URLSecret   URLSecret `yaml:"url_secret"`
	APIToken    Secret    `yaml:"api_token"` // the token query parameter of API calls
}

// BasicAuth is a user name and password.
type BasicAuth struct {
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
}

// URLSecret is a secret carried as a query parameter of the callback URL.
type URLSecret struct {
	Param string `yaml:"param"` // parameter name, e.g. "secret"
	Value Secret `yaml:"value"`
}

// EFaxAccount is an eFax Enterprise app.
type EFaxAccount struct {
	AccountBase `yaml:",inline"`
	AppID       string `yaml:"app_id"`
	APIKey      Secret `yaml:"api_key"`     // with app_id, the client credentials for /tokens
	HMACSecret  Secret `yaml:"hmac_secret"` // signs X-HMAC-Signature
}
