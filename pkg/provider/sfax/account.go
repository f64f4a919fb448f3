package sfax

import (
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Name is the provider's name in callback URLs, subjects and
// configuration (accounts.sfax).
const Name = fax.Sfax

// DefaultAPIBaseURL is the Sfax API of an account that names none.
const DefaultAPIBaseURL = "https://api.sfaxme.com"

// Account is an Sfax account (accounts.sfax[i]): the "master API user"
// whose credentials sign callbacks, and the AES key and IV of its tokens.
type Account struct {
	config.AccountBase `yaml:",inline"`
	Username           string        `yaml:"username"`
	APIKey             config.Secret `yaml:"api_key"`        // 32 hex characters
	EncryptionKey      config.Secret `yaml:"encryption_key"` // 32 characters, the AES-256 key
	InitVector         config.Secret `yaml:"init_vector"`    // 16 characters, the AES IV
	TokenWindow        time.Duration `yaml:"token_window"`   // accepted distance of GenDT from receipt
}

// Provider is Sfax.
func (*Account) Provider() fax.Provider { return Name }

// Secrets lists the account's secrets by YAML path, with who uses them.
// Each is both: the token that signs a callback is made of all three, and
// so is the token that authenticates every API call.
func (a *Account) Secrets() map[string]config.UsedSecret {
	const by = config.VerifiesCallbacks | config.CallsProviderAPI
	return map[string]config.UsedSecret{
		"api_key":        config.UsedBy(&a.APIKey, by),
		"encryption_key": config.UsedBy(&a.EncryptionKey, by),
		"init_vector":    config.UsedBy(&a.InitVector, by),
	}
}

// ApplyDefaults sets the Sfax API and a 15-minute token window where unset.
func (a *Account) ApplyDefaults() {
	if a.APIBaseURL == "" {
		a.APIBaseURL = DefaultAPIBaseURL
	}
	if a.TokenWindow == 0 {
		a.TokenWindow = DefaultTokenWindow
	}
}

// Validate checks the credentials and key sizes (AES-256, 16-byte IV).
func (a *Account) Validate(ck *config.Checker, f string) {
	ck.Check(a.Username != "", f+".username", "must be set")
	ck.Check(a.APIKey.IsSet(), f+".api_key", "must be set")
	ck.Check(len(a.EncryptionKey.Reveal()) == 32, f+".encryption_key", "must be 32 bytes, got %d", len(a.EncryptionKey.Reveal()))
	ck.Check(len(a.InitVector.Reveal()) == 16, f+".init_vector", "must be 16 bytes, got %d", len(a.InitVector.Reveal()))
	ck.Check(a.TokenWindow > 0, f+".token_window", "must be positive")
}

// requireAPISecrets refuses an account whose API credentials the loader
// withheld (every API call carries a token made of all three): a process that does not call the
// API does not load them (config.LoadFor), and a client built without them
// would send empty ones.
func (a Account) requireAPISecrets() error {
	return config.RequireLoaded(&a, "api_key", "encryption_key", "init_vector")
}
