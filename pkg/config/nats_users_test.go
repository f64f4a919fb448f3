package config_test

import (
	"slices"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// withUsers is validConfig on an embedded server requiring an admin and a
// reader, faxpipe connecting as the admin.
func withUsers() config.Config {
	c := validConfig()
	c.NATS.User, c.NATS.Password = "faxpipe", config.Literal("admin-password-1")
	c.NATS.Embedded.Users = []config.EmbeddedUser{
		{User: "faxpipe", Password: config.Literal("admin-password-1"), Role: "admin"},
		{User: "reader", Password: config.Literal("reader-password-1"), Role: "consumer"},
	}
	return c
}

func TestValidateNATSUsers(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*config.Config)
		fields []string // nil: the configuration is valid
	}{
		{"an admin and a reader", func(*config.Config) {}, nil},
		{"unknown role", func(c *config.Config) { c.NATS.Embedded.Users[1].Role = "reader" }, []string{"nats.embedded.users[1].role"}},
		{"duplicate user", func(c *config.Config) { c.NATS.Embedded.Users[1].User = "faxpipe" }, []string{"nats.embedded.users[1].user"}},
		{"user not a token", func(c *config.Config) { c.NATS.Embedded.Users[1].User = "a reader" }, []string{"nats.embedded.users[1].user"}},
		{"short password", func(c *config.Config) { c.NATS.Embedded.Users[1].Password = config.Literal("short") }, []string{"nats.embedded.users[1].password"}},
		{"no password", func(c *config.Config) { c.NATS.Embedded.Users[1].Password = config.Secret{} }, []string{"nats.embedded.users[1].password"}},
		{"faxpipe all connects as nobody", func(c *config.Config) { c.NATS.User, c.NATS.Password = "", config.Secret{} }, []string{"nats.user"}},
		{"faxpipe all connects as a stranger", func(c *config.Config) { c.NATS.User = "mallory" }, []string{"nats.user"}},
		{"faxpipe all connects as a reader", func(c *config.Config) {
			c.NATS.User, c.NATS.Password = "reader", config.Literal("reader-password-1")
		}, []string{"nats.user"}},
		{"faxpipe all has the wrong password", func(c *config.Config) { c.NATS.Password = config.Literal("admin-password-2") }, []string{"nats.password"}},
		{"no admin needed with nats.url (the users are not started)", func(c *config.Config) {
			c.NATS.URL, c.NATS.User = "nats://nats:4222", "faxpipe-ingress"
		}, nil},
		{"inbox prefix", func(c *config.Config) { c.NATS.InboxPrefix = "_INBOX.consumer" }, nil},
		{"inbox prefix with a wildcard", func(c *config.Config) { c.NATS.InboxPrefix = "_INBOX.*" }, []string{"nats.inbox_prefix"}},
		{"inbox prefix ending in a dot", func(c *config.Config) { c.NATS.InboxPrefix = "_INBOX." }, []string{"nats.inbox_prefix"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := withUsers()
			tt.mutate(&c)
			if got, want := fieldErrors(c.Validate()), tt.fields; !slices.Equal(got, want) {
				t.Errorf("invalid fields = %q, want %q (err %v)", got, want, c.Validate())
			}
		})
	}
}

// TestNATSPasswordsAreSecrets: every NATS password is resolved from its
// source like any secret.
func TestNATSPasswordsAreSecrets(t *testing.T) {
	path := writeConfig(t, `
pipeline: {key: {value: "`+testKey+`"}}
nats:
  user: faxpipe
  password: {env: NATS_ADMIN}
  embedded:
    users:
      - {user: faxpipe, password: {env: NATS_ADMIN}, role: admin}
      - {user: reader, password: {env: NATS_READER}, role: consumer}
`)
	cfg, err := config.Load(path, env(map[string]string{"NATS_ADMIN": "admin-password-1", "NATS_READER": "reader-password-1"}), accountTypes)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.NATS.Embedded.Users[1].Password.Reveal(); got != "reader-password-1" {
		t.Errorf("reader password %q", got)
	}
	if got := cfg.NATS.Password.Reveal(); got != "admin-password-1" {
		t.Errorf("nats.password %q", got)
	}
	_, err = config.Load(path, env(map[string]string{"NATS_ADMIN": "admin-password-1"}), accountTypes)
	if got, want := fieldErrors(err), []string{"nats.embedded.users[1].password"}; !slices.Equal(got, want) {
		t.Errorf("without NATS_READER: invalid fields %q, want %q (%v)", got, want, err)
	}
}
