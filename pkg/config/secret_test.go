package config_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// secretFile writes content to a file in a fresh temporary directory and
// returns its path.
func secretFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestLoadResolvesSecret(t *testing.T) {
	tests := []struct {
		name   string
		source func(t *testing.T) string // the YAML of pipeline.key
		env    map[string]string
		want   string
	}{
		{
			name:   "from env",
			source: func(*testing.T) string { return "{env: FP_PIPELINE_KEY}" },
			env:    map[string]string{"FP_PIPELINE_KEY": "key-from-the-environment-0123456789"},
			want:   "key-from-the-environment-0123456789",
		},
		{
			name: "from file",
			source: func(t *testing.T) string {
				return "{file: " + strconv.Quote(secretFile(t, "key-from-a-file-0123456789abcdefgh")) + "}"
			},
			want: "key-from-a-file-0123456789abcdefgh",
		},
		{
			name: "from file, trailing newline trimmed",
			source: func(t *testing.T) string {
				return "{file: " + strconv.Quote(secretFile(t, "key-from-a-file-0123456789abcdefgh\n")) + "}"
			},
			want: "key-from-a-file-0123456789abcdefgh",
		},
		{
			name: "from file, trailing CRLF trimmed",
			source: func(t *testing.T) string {
				return "{file: " + strconv.Quote(secretFile(t, "key-from-a-file-0123456789abcdefgh\r\n")) + "}"
			},
			want: "key-from-a-file-0123456789abcdefgh",
		},
		{
			name: "from file, inner and leading spaces kept",
			source: func(t *testing.T) string {
				return "{file: " + strconv.Quote(secretFile(t, " key from a file 0123456789abcdef \n")) + "}"
			},
			want: " key from a file 0123456789abcdef ",
		},
		{
			name:   "inline value",
			source: func(*testing.T) string { return `{value: "inline-demo-key-0123456789abcdefgh"}` },
			want:   "inline-demo-key-0123456789abcdefgh",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeConfig(t, "pipeline: {key: "+tt.source(t)+"}\n")
			cfg, err := config.Load(path, env(tt.env), accountTypes)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := cfg.Pipeline.Key.Reveal(), tt.want; got != want {
				t.Errorf("Reveal() = %q, want %q", got, want)
			}
			if got, want := cfg.Pipeline.Key.IsSet(), true; got != want {
				t.Errorf("IsSet() = %v, want %v", got, want)
			}
		})
	}
}

func TestLoadSecretErrorNamesField(t *testing.T) {
	tests := []struct {
		name    string
		yaml    func(t *testing.T) string
		env     map[string]string
		field   string
		message string
	}{
		{
			name:    "env and value",
			yaml:    func(*testing.T) string { return "pipeline: {key: {env: FP_KEY, value: \"" + testKey + "\"}}\n" },
			env:     map[string]string{"FP_KEY": testKey},
			field:   "pipeline.key",
			message: "exactly one of env, file, value",
		},
		{
			name: "env and file",
			yaml: func(t *testing.T) string {
				return "pipeline: {key: {env: FP_KEY, file: " + strconv.Quote(secretFile(t, testKey)) + "}}\n"
			},
			env:     map[string]string{"FP_KEY": testKey},
			field:   "pipeline.key",
			message: "exactly one of env, file, value",
		},
		{
			name:    "env variable unset",
			yaml:    func(*testing.T) string { return "pipeline: {key: {env: FP_KEY}}\n" },
			field:   "pipeline.key",
			message: "FP_KEY",
		},
		{
			name: "file missing",
			yaml: func(t *testing.T) string {
				return "pipeline: {key: {file: " + strconv.Quote(filepath.Join(t.TempDir(), "absent")) + "}}\n"
			},
			field:   "pipeline.key",
			message: "read secret file",
		},
		{
			name: "file holds only a newline",
			yaml: func(t *testing.T) string {
				return "pipeline: {key: {file: " + strconv.Quote(secretFile(t, "\n")) + "}}\n"
			},
			field:   "pipeline.key",
			message: "empty",
		},
		{
			name: "account secret env variable unset",
			yaml: func(*testing.T) string {
				return loadYAMLPrefix + "accounts: {efax: [{id: e, hmac_secret: {env: EFAX_HMAC}}]}\n"
			},
			field:   "accounts.efax[0].hmac_secret",
			message: "EFAX_HMAC",
		},
		{
			name: "nested account secret with two sources",
			yaml: func(*testing.T) string {
				return loadYAMLPrefix + "accounts: {gofax: [{id: g, basic_auth: {username: u, password: {env: P, value: p}}}]}\n"
			},
			env:     map[string]string{"P": "p"},
			field:   "accounts.gofax[0].basic_auth.password",
			message: "exactly one of env, file, value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(writeConfig(t, tt.yaml(t)), env(tt.env), accountTypes)
			var fe *config.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Load() = %v, want a *config.FieldError", err)
			}
			if got, want := fe.Field, tt.field; got != want {
				t.Errorf("FieldError.Field = %q, want %q", got, want)
			}
			if got, want := fe.Msg, tt.message; !strings.Contains(got, want) {
				t.Errorf("FieldError.Msg = %q, want it to contain %q", got, want)
			}
		})
	}
}

// exampleSecretValues are the resolved values of every secret of the
// example configuration.
func exampleSecretValues(cfg *config.Config) []string {
	s, g, e := sfaxes(cfg.Accounts)[0], gofaxes(cfg.Accounts)[0], efaxes(cfg.Accounts)[0]
	return []string{
		cfg.Pipeline.Key.Reveal(),
		s.APIKey.Reveal(), s.EncryptionKey.Reveal(), s.InitVector.Reveal(),
		g.BasicAuth.Password.Reveal(), g.URLSecret.Value.Reveal(), g.APIToken.Reveal(),
		e.APIKey.Reveal(), e.HMACSecret.Reveal(),
	}
}

// sprintf formats a whole Config with verb; the verb is a variable because
// vet rightly reports %s of a struct, which is exactly what is tested here.
func sprintf(verb string) func(*config.Config) string {
	return func(c *config.Config) string { return fmt.Sprintf(verb, c) }
}

func TestSecretNeverPrints(t *testing.T) {
	cfg := loadExample(t)
	// A secret from the environment is held only in the resolved value, not
	// in the Value field as the example's inline secrets are.
	envCfg, err := config.Load(writeConfig(t, "pipeline: {key: {env: FP_KEY}}\n"), env(map[string]string{"FP_KEY": "env-only-pipeline-key-0123456789abcdef"}), accountTypes)
	if err != nil {
		t.Fatal(err)
	}
	secrets := append(exampleSecretValues(cfg), envCfg.Pipeline.Key.Reveal())
	for _, s := range secrets {
		if s == "" {
			t.Fatal("an example secret did not resolve")
		}
	}
	mustMarshal := func(b []byte, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name string
		out  func(c *config.Config) string
	}{
		{"%v", sprintf("%v")},
		{"%+v", sprintf("%+v")},
		{"%#v", sprintf("%#v")},
		{"%s", sprintf("%s")},
		{"%v of the value", func(c *config.Config) string { return fmt.Sprintf("%v", *c) }},
		{"%s of one secret", func(c *config.Config) string { return fmt.Sprintf("%s", c.Pipeline.Key) }},
		{"json.Marshal", func(c *config.Config) string { return mustMarshal(json.Marshal(c)) }},
		{"yaml.Marshal", func(c *config.Config) string { return mustMarshal(yaml.Marshal(c)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := tt.out(cfg) + "\n" + tt.out(envCfg)
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("output contains secret %q:\n%s", s, out)
				}
			}
			if got, want := strings.Count(out, "[redacted]") > 0, true; got != want {
				t.Errorf("output has no [redacted] placeholder:\n%s", out)
			}
		})
	}
}

func TestSecretConfiguredAndIsSet(t *testing.T) {
	tests := []struct {
		name           string
		secret         config.Secret
		wantConfigured bool
		wantSet        bool
	}{
		{"zero", config.Secret{}, false, false},
		{"literal", config.Literal("x"), true, true},
		{"empty literal", config.Literal(""), false, false},
		{"unresolved env source", config.Secret{Env: "X"}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.secret.Configured(), tt.wantConfigured; got != want {
				t.Errorf("Configured() = %v, want %v", got, want)
			}
			if got, want := tt.secret.IsSet(), tt.wantSet; got != want {
				t.Errorf("IsSet() = %v, want %v", got, want)
			}
		})
	}
}
