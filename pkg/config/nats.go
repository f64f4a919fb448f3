package config

import (
	"net/url"
	"slices"
	"strings"
)

// NATSTLS is the client side of TLS to NATS. Any field set makes the
// client insist on TLS.
type NATSTLS struct {
	CAFile     string `yaml:"ca_file"`     // PEM CA bundle that verifies the server; empty: the system's roots
	CertFile   string `yaml:"cert_file"`   // PEM client certificate, for servers that verify clients
	KeyFile    string `yaml:"key_file"`    // its PEM private key
	ServerName string `yaml:"server_name"` // the name the server's certificate must hold; empty: the URL's host
}

// Enabled reports whether any TLS setting is given.
func (t NATSTLS) Enabled() bool { return t != NATSTLS{} }

// Encryption is JetStream's encryption at rest of the embedded server:
// every stream, consumer and bucket file is encrypted with a key derived
// from Key. PreviousKey is the key being rotated away from: files it
// encrypted are read and rewritten under Key.
type Encryption struct {
	Cipher      string `yaml:"cipher"` // chacha (default) or aes
	Key         Secret `yaml:"key"`
	PreviousKey Secret `yaml:"previous_key"`
}

// Ciphers of Encryption.Cipher.
const (
	CipherChaCha = "chacha"
	CipherAES    = "aes"
)

// minEncryptionKey is the shortest JetStream key accepted: as long as the
// 256-bit key nats-server derives from it.
const minEncryptionKey = 32

// validateNATS checks the client's authentication and TLS settings and the
// embedded server's encryption. That the files named exist is checked when
// connecting (stream.Connect): a configuration is also validated where
// they are not mounted.
func (c *Config) validateNATS(ck *Checker) {
	n := c.NATS
	var methods []string
	if n.User != "" || n.Password.Configured() {
		methods = append(methods, "nats.user/nats.password")
		ck.Check(n.User != "", "nats.user", "must be set with nats.password")
		ck.Check(n.Password.IsSet(), "nats.password", "must be set with nats.user")
	}
	for field, set := range map[string]bool{
		"nats.token": n.Token.Configured(), "nats.nkey_seed_file": n.NKeySeedFile != "",
		"nats.creds_file": n.CredsFile != "", "nats.url (user:password@)": urlHasUser(n.URL),
	} {
		if set {
			methods = append(methods, field)
		}
	}
	slices.Sort(methods)
	ck.Check(len(methods) <= 1, "nats", "set at most one way to authenticate, got %s", strings.Join(methods, ", "))
	t := n.TLS
	ck.Check((t.CertFile == "") == (t.KeyFile == ""), "nats.tls.cert_file", "must be set together with nats.tls.key_file")
	ck.Check(!t.Enabled() || n.URL != "", "nats.tls", "needs nats.url: the embedded server of `faxpipe all` listens on loopback without TLS")
	e := n.Embedded.Encryption
	ck.Check(e.Cipher == CipherChaCha || e.Cipher == CipherAES, "nats.embedded.encryption.cipher", "must be chacha or aes, got %q", e.Cipher)
	ck.Check(!e.Key.Configured() || len(e.Key.Reveal()) >= minEncryptionKey, "nats.embedded.encryption.key", "must be at least %d bytes", minEncryptionKey)
	ck.Check(!e.PreviousKey.Configured() || e.Key.Configured(), "nats.embedded.encryption.previous_key", "needs nats.embedded.encryption.key: it is the key being rotated away from")
	ck.Check(!e.PreviousKey.IsSet() || e.PreviousKey.Reveal() != e.Key.Reveal(), "nats.embedded.encryption.previous_key", "must differ from nats.embedded.encryption.key")
}

// urlHasUser reports whether any of urls (comma-separated) carries user
// information (user:password@ or token@).
func urlHasUser(urls string) bool {
	for _, u := range strings.Split(urls, ",") {
		if pu, err := url.Parse(strings.TrimSpace(u)); err == nil && pu.User != nil {
			return true
		}
	}
	return false
}
