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

// Secrets lists the account's secrets by YAML path.
func (a *Account) Secrets() map[string]*config.Secret {
	return map[string]*config.Secret{"api_key": &a.APIKey, "encryption_key": &a.EncryptionKey, "init_vector": &a.InitVector}
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
