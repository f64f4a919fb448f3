package config

import (
	"strings"
	"testing"
)

// TestValidateNATS: the client's authentication is one way at most, its
// TLS certificate comes with its key and needs an external server, and the
// embedded server's encryption has a known cipher, a long enough key, and
// a previous key only beside a key.
func TestValidateNATS(t *testing.T) {
	const key = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name    string
		set     func(*NATS)
		wantErr string // "" valid
	}{
		{"defaults", func(*NATS) {}, ""},
		{"user and password", func(n *NATS) { n.User, n.Password = "faxpipe", Literal("pw") }, ""},
		{"user without password", func(n *NATS) { n.User = "faxpipe" }, "nats.password: must be set with nats.user"},
		{"password without user", func(n *NATS) { n.Password = Literal("pw") }, "nats.user: must be set with nats.password"},
		{"token", func(n *NATS) { n.Token = Literal("t") }, ""},
		{"token and creds", func(n *NATS) { n.Token, n.CredsFile = Literal("t"), "x.creds" }, "nats: set at most one way to authenticate, got nats.creds_file, nats.token"},
		{"nkey and user", func(n *NATS) { n.NKeySeedFile, n.User, n.Password = "u.nk", "u", Literal("p") }, "at most one way"},
		{"password in the URL and a token", func(n *NATS) { n.URL, n.Token = "nats://u:p@nats:4222", Literal("t") }, "at most one way"},
		{"TLS with a URL", func(n *NATS) {
			n.URL, n.TLS = "nats://nats:4222", NATSTLS{CAFile: "ca.crt", CertFile: "c.crt", KeyFile: "c.key", ServerName: "nats"}
		}, ""},
		{"certificate without key", func(n *NATS) { n.URL, n.TLS.CertFile = "nats://nats:4222", "c.crt" }, "nats.tls.cert_file: must be set together with nats.tls.key_file"},
		{"key without certificate", func(n *NATS) { n.URL, n.TLS.KeyFile = "nats://nats:4222", "c.key" }, "nats.tls.cert_file"},
		{"TLS to the embedded server", func(n *NATS) { n.TLS.CAFile = "ca.crt" }, "nats.tls: needs nats.url"},
		{"encryption", func(n *NATS) { n.Embedded.Encryption.Key = Literal(key) }, ""},
		{"aes", func(n *NATS) { n.Embedded.Encryption = Encryption{Cipher: "aes", Key: Literal(key)} }, ""},
		{"unknown cipher", func(n *NATS) { n.Embedded.Encryption.Cipher = "rot13" }, `nats.embedded.encryption.cipher: must be chacha or aes, got "rot13"`},
		{"short key", func(n *NATS) { n.Embedded.Encryption.Key = Literal("short") }, "nats.embedded.encryption.key: must be at least 32 bytes"},
		{"rotation", func(n *NATS) {
			n.Embedded.Encryption.Key, n.Embedded.Encryption.PreviousKey = Literal(key), Literal(strings.ToUpper(key))
		}, ""},
		{"previous key alone", func(n *NATS) { n.Embedded.Encryption.PreviousKey = Literal(key) }, "nats.embedded.encryption.previous_key: needs nats.embedded.encryption.key"},
		{"previous key the same", func(n *NATS) {
			n.Embedded.Encryption.Key, n.Embedded.Encryption.PreviousKey = Literal(key), Literal(key)
		}, "nats.embedded.encryption.previous_key: must differ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.set(&c.NATS)
			var ck Checker
			c.validateNATS(&ck)
			var got []string
			for _, e := range ck.errs {
				got = append(got, e.Error())
			}
			all := strings.Join(got, "; ")
			switch {
			case tt.wantErr == "" && len(got) > 0:
				t.Errorf("errors %q, want none", all)
			case tt.wantErr != "" && !strings.Contains(all, tt.wantErr):
				t.Errorf("errors %q, want one containing %q", all, tt.wantErr)
			}
		})
	}
}

// TestNATSSecretsResolved: the NATS secrets are resolved with the others,
// from the environment.
func TestNATSSecretsResolved(t *testing.T) {
	c := Default()
	c.NATS.Password, c.NATS.Token = Secret{Env: "PW"}, Secret{Env: "TOKEN"}
	c.NATS.Embedded.Encryption = Encryption{Cipher: CipherChaCha, Key: Secret{Env: "KEY"}, PreviousKey: Secret{Env: "OLD"}}
	env := map[string]string{"PW": "pw", "TOKEN": "tok", "KEY": "k", "OLD": "old"}
	if err := c.resolveSecrets(func(k string) string { return env[k] }, UseAll); err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string]Secret{"password": c.NATS.Password, "token": c.NATS.Token,
		"key": c.NATS.Embedded.Encryption.Key, "previous_key": c.NATS.Embedded.Encryption.PreviousKey} {
		if !got.IsSet() {
			t.Errorf("%s not resolved", name)
		}
	}
}
