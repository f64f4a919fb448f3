package telnyx

import (
	"fmt"
	"net/url"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Name is the provider's name in callback URLs, subjects and
// configuration (accounts.telnyx).
const Name fax.Provider = "telnyx"

// Defaults of an account that leaves them unset.
const (
	// DefaultAPIBaseURL is Telnyx's API v2 host [doc]; paths start /v2.
	DefaultAPIBaseURL = "https://api.telnyx.com"
	// DefaultMediaBaseURL is where Telnyx's received-fax media links
	// point: "a signed AWS link" on s3.amazonaws.com [doc, with an
	// example]. Whether every region uses that host is [?]: configure
	// media_base_urls when the links name another.
	DefaultMediaBaseURL = "https://s3.amazonaws.com"
	// DefaultTolerance is how far telnyx-timestamp may be from the
	// receipt time: 300 s, as Telnyx's client libraries check [lib].
	DefaultTolerance = 5 * time.Minute
	// DefaultListLookback widens a listing backwards: Telnyx filters by
	// created_at (when the call began) [lib], the reconciler asks by
	// completion time, so a fax created up to this long before a window
	// and completed in it is still listed. Assumed long enough for any
	// fax transmission [?].
	DefaultListLookback = time.Hour
)

// Account is one Telnyx Programmable Fax application (accounts.telnyx[i]).
type Account struct {
	config.AccountBase `yaml:",inline"`
	// PublicKey is the Telnyx account's Ed25519 public key (Mission
	// Control → Keys & Credentials → Public Key), base64 [doc]: it
	// verifies webhooks. Not a secret. A base64 SubjectPublicKeyInfo or
	// a PEM block is accepted too.
	PublicKey string `yaml:"public_key"`
	// APIKey is a Telnyx API v2 key, sent as Authorization: Bearer [doc]:
	// fresh media links and listings of received faxes.
	APIKey config.Secret `yaml:"api_key"`
	// ConnectionID, when set, is the Fax Application's id: a webhook
	// naming another connection_id is credentials_mismatch (the public
	// key is the whole Telnyx account's, shared by its applications), and
	// listings skip other applications' faxes.
	ConnectionID string `yaml:"connection_id"`
	// Tolerance is how far telnyx-timestamp may be from the receipt
	// time, either way (DefaultTolerance).
	Tolerance time.Duration `yaml:"tolerance"`
	// MediaBaseURLs are the origins media links may point at, beside
	// api_base_url's (DefaultMediaBaseURL); the downloader may fetch
	// from them and from nowhere else.
	MediaBaseURLs []string `yaml:"media_base_urls"`
	// ListLookback widens each listing backwards (DefaultListLookback).
	ListLookback time.Duration `yaml:"list_lookback"`
}

// Provider is Telnyx.
func (*Account) Provider() fax.Provider { return Name }

// Secrets lists the account's secrets by YAML path: the API key, for
// documents and listings. The public key verifies but is no secret.
func (a *Account) Secrets() map[string]config.UsedSecret {
	return map[string]config.UsedSecret{
		"api_key": config.UsedBy(&a.APIKey, config.CallsProviderAPI),
	}
}

// ApplyDefaults sets the Telnyx API, media host, tolerance and lookback
// where unset.
func (a *Account) ApplyDefaults() {
	if a.APIBaseURL == "" {
		a.APIBaseURL = DefaultAPIBaseURL
	}
	if a.MediaBaseURLs == nil {
		a.MediaBaseURLs = []string{DefaultMediaBaseURL}
	}
	if a.Tolerance == 0 {
		a.Tolerance = DefaultTolerance
	}
	if a.ListLookback == 0 {
		a.ListLookback = DefaultListLookback
	}
}

// OtherAPIBaseURLs are the media origins, which the downloader's client
// must allow beside api_base_url (config.Accounts.APIBaseURLs).
func (a *Account) OtherAPIBaseURLs() []string { return a.MediaBaseURLs }

// Validate checks that a verifying account has a public key that reads,
// the durations and the media origins.
func (a *Account) Validate(ck *config.Checker, f string) {
	if a.Verifies() || a.PublicKey != "" {
		_, err := ParsePublicKey(a.PublicKey)
		ck.Check(err == nil, f+".public_key", "%v (unless verify: false)", err)
	}
	ck.Check(a.Tolerance > 0, f+".tolerance", "must be positive")
	ck.Check(a.ListLookback >= 0, f+".list_lookback", "must not be negative")
	for i, m := range a.MediaBaseURLs {
		ck.Check(validMediaBase(m, a.APIBaseURL) == nil, fmt.Sprintf("%s.media_base_urls[%d]", f, i), "%v", validMediaBase(m, a.APIBaseURL))
	}
}

// validMediaBase checks one media origin: an absolute https URL with
// nothing but scheme and host — http only beside an http api_base_url (a
// local simulator).
func validMediaBase(m, apiBase string) error {
	u, err := url.Parse(m)
	switch {
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return fmt.Errorf("%q is not an http(s) URL", m)
	case u.Scheme == "http" && !isHTTP(apiBase):
		return fmt.Errorf("%q is plain http: only beside an http api_base_url (a local simulator)", m)
	case u.User != nil || u.RawQuery != "" || (u.Path != "" && u.Path != "/"):
		return fmt.Errorf("%q must be scheme and host only", m)
	}
	return nil
}

func isHTTP(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme == "http"
}

// requireAPISecrets refuses an account whose API key the loader withheld
// (config.LoadFor): a client built without it would send an empty one.
func (a Account) requireAPISecrets() error {
	return config.RequireLoaded(&a, "api_key")
}
