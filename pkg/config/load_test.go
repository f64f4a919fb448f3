package config_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx/telnyxsim"
)

const exampleFile = "../../deploy/config/faxpipe.example.yaml"

// testKey is a valid pipeline key (32 bytes).
const testKey = "0123456789abcdef0123456789abcdef"

// env is a fake getenv reading from m; tests never touch the process
// environment.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// writeConfig writes yaml to a file in a fresh temporary directory and
// returns its path.
func writeConfig(t *testing.T, yaml string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "faxpipe.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// fieldErrors returns, sorted, the Field of every *config.FieldError in the
// tree of err (errors.Join and %w wrapping included).
func fieldErrors(err error) []string {
	var fields []string
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) { //nolint:errorlint // walks the tree of joined errors itself
		case *config.FieldError:
			fields = append(fields, e.Field)
		case interface{ Unwrap() []error }:
			for _, x := range e.Unwrap() {
				walk(x)
			}
		case interface{ Unwrap() error }:
			walk(e.Unwrap())
		}
	}
	walk(err)
	slices.Sort(fields)
	return fields
}

func loadExample(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(exampleFile, env(nil), accountTypes)
	if err != nil {
		t.Fatalf("Load(%s): %v", exampleFile, err)
	}
	return cfg
}

func TestLoadExample(t *testing.T) {
	cfg := loadExample(t)
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"pipeline.key_id", cfg.Pipeline.KeyID, "demo1"},
		{"pipeline.key", cfg.Pipeline.Key.Reveal(), "demo-pipeline-key-0123456789abcdef-change-me"},
		{"nats.url empty for embedded", cfg.NATS.URL, ""},
		{"nats.name default", cfg.NATS.Name, "faxpipe"},
		{"nats.connect_wait default", cfg.NATS.ConnectWait, 5 * time.Second},
		{"nats.embedded.host", cfg.NATS.Embedded.Host, "127.0.0.1"},
		{"nats.embedded.port", cfg.NATS.Embedded.Port, 4222},
		{"nats.embedded.data_dir", cfg.NATS.Embedded.DataDir, "./data"},
		{"nats.embedded.sync_interval", cfg.NATS.Embedded.SyncInterval, 2 * time.Minute},
		{"nats.embedded.sync_always default", cfg.NATS.Embedded.SyncAlways, false},
		{"streams.replicas", cfg.Streams.Replicas, 1},
		{"streams.duplicate_window", cfg.Streams.DuplicateWindow, 10 * time.Minute},
		{"streams.dedupe_ttl", cfg.Streams.DedupeTTL, 168 * time.Hour},
		{"streams.raw.max_age default", cfg.Streams.Raw.MaxAge, 14 * 24 * time.Hour},
		{"streams.raw.max_bytes default", cfg.Streams.Raw.MaxBytes, config.ByteSize(1 << 30)},
		{"streams.rejected.max_age default", cfg.Streams.Rejected.MaxAge, 30 * 24 * time.Hour},
		{"streams.document_store.max_age default", cfg.Streams.DocumentStore.MaxAge, 90 * 24 * time.Hour},
		{"streams.document_store.max_bytes default", cfg.Streams.DocumentStore.MaxBytes, config.ByteSize(2 << 30)},
		{"streams.forged.max_age default", cfg.Streams.Forged.MaxAge, 7 * 24 * time.Hour},
		{"streams.forged.max_bytes default", cfg.Streams.Forged.MaxBytes, config.ByteSize(32 << 20)},
		{"ingress.listen", cfg.Ingress.Listen, ":8080"},
		{"ingress.body_limit 1MiB", cfg.Ingress.BodyLimit, config.ByteSize(1 << 20)},
		{"ingress.publish_timeout", cfg.Ingress.PublishTimeout, 3 * time.Second},
		{"ingress.retry_after default", cfg.Ingress.RetryAfter, 5 * time.Second},
		{"ingress.write_timeout default", cfg.Ingress.WriteTimeout, 10 * time.Second},
		{"ingress.max_pending default", cfg.Ingress.MaxPending, 4096},
		{"ingress.rate_limit.account_rps", cfg.Ingress.RateLimit.AccountRPS, 200.0},
		{"ingress.rate_limit.account_burst", cfg.Ingress.RateLimit.AccountBurst, 400},
		{"ingress.rate_limit.client_rps", cfg.Ingress.RateLimit.ClientRPS, 100.0},
		{"ingress.rate_limit.client_burst", cfg.Ingress.RateLimit.ClientBurst, 200},
		{"ingress.trusted_proxies default none", len(cfg.Ingress.TrustedProxies), 0},
		{"admin.listen", cfg.Admin.Listen, "127.0.0.1:9090"},
		{"log.level", cfg.Log.Level, "info"},
		{"log.format", cfg.Log.Format, "console"},
		{"one account per provider", len(cfg.Accounts.All()), len(provider.Registry)},
		{"no unverified account", len(cfg.Accounts.Unverified()), 0},
		{"one sfax account", len(sfaxes(cfg.Accounts)), 1},
		{"sfax id", sfaxes(cfg.Accounts)[0].ID, "demo"},
		{"sfax verifies by default", sfaxes(cfg.Accounts)[0].Verifies(), true},
		{"sfax api_base_url: the local simulator", sfaxes(cfg.Accounts)[0].APIBaseURL, "http://127.0.0.1:9601"},
		{"sfax username", sfaxes(cfg.Accounts)[0].Username, "demo"},
		{"sfax api_key", sfaxes(cfg.Accounts)[0].APIKey.Reveal(), "5787A4EDBCDE46F9D6D2E067AC7097DC"},
		{"sfax encryption_key", sfaxes(cfg.Accounts)[0].EncryptionKey.Reveal(), "0123456789abcdef0123456789abcdef"},
		{"sfax init_vector", sfaxes(cfg.Accounts)[0].InitVector.Reveal(), "fedcba9876543210"},
		{"sfax token_window", sfaxes(cfg.Accounts)[0].TokenWindow, 15 * time.Minute},
		{"one gofax account", len(gofaxes(cfg.Accounts)), 1},
		{"gofax api_base_url: the local simulator", gofaxes(cfg.Accounts)[0].APIBaseURL, "http://127.0.0.1:9601"},
		{"gofax basic_auth.username", gofaxes(cfg.Accounts)[0].BasicAuth.Username, "gofax"},
		{"gofax basic_auth.password", gofaxes(cfg.Accounts)[0].BasicAuth.Password.Reveal(), "demo-gofax-password"},
		{"gofax url_secret.param", gofaxes(cfg.Accounts)[0].URLSecret.Param, "secret"},
		{"gofax url_secret.value", gofaxes(cfg.Accounts)[0].URLSecret.Value.Reveal(), "demo-url-secret"},
		{"gofax api_token", gofaxes(cfg.Accounts)[0].APIToken.Reveal(), "demo-gofax-api-token"},
		{"one efax account", len(efaxes(cfg.Accounts)), 1},
		{"efax api_base_url: the local simulator", efaxes(cfg.Accounts)[0].APIBaseURL, "http://127.0.0.1:9601"},
		{"efax app_id", efaxes(cfg.Accounts)[0].AppID, "d580162d-d162-4353-bd55-c2044ab20711"},
		{"efax api_key", efaxes(cfg.Accounts)[0].APIKey.Reveal(), "demo-efax-api-key"},
		{"efax hmac_secret", efaxes(cfg.Accounts)[0].HMACSecret.Reveal(), "demo-efax-hmac-secret"},
		{"one telnyx account", len(telnyxes(cfg.Accounts)), 1},
		{"telnyx api_base_url: the local simulator", telnyxes(cfg.Accounts)[0].APIBaseURL, "http://127.0.0.1:9601"},
		{"telnyx media_base_urls: the local simulator", fmt.Sprint(telnyxes(cfg.Accounts)[0].MediaBaseURLs), "[http://127.0.0.1:9601]"},
		{"telnyx public_key: the simulator's demo key", telnyxes(cfg.Accounts)[0].PublicKey, telnyxsim.DemoPublicKey},
		{"telnyx api_key", telnyxes(cfg.Accounts)[0].APIKey.Reveal(), "demo-telnyx-api-key"},
		{"telnyx tolerance default", telnyxes(cfg.Accounts)[0].Tolerance, 5 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.got, tt.want; got != want {
				t.Errorf("got %#v (%T), want %#v (%T)", got, got, want, want)
			}
		})
	}
}

func TestLoadExampleAccountsAll(t *testing.T) {
	all := loadExample(t).Accounts.All()
	want := []config.Account{
		{Provider: fax.Sfax, ID: "demo"},
		{Provider: fax.GoFax, ID: "demo", SecretQueryParams: []string{"secret"}},
		{Provider: fax.EFax, ID: "demo"},
		{Provider: telnyx.Name, ID: "demo"},
	}
	if got, want := len(all), len(want); got != want {
		t.Fatalf("len(Accounts.All()) = %d, want %d", got, want)
	}
	for i := range want {
		got := all[i]
		if got.Provider != want[i].Provider || got.ID != want[i].ID || !slices.Equal(got.SecretQueryParams, want[i].SecretQueryParams) {
			t.Errorf("Accounts.All()[%d] = %+v, want %+v", i, got, want[i])
		}
	}
}

func TestLoadAccountDefaults(t *testing.T) {
	path := writeConfig(t, `
pipeline: {key: {value: "`+testKey+`"}}
downloader: {allow_private_networks: true} # s2's http:// simulator
accounts:
  sfax:
    - id: s1
      username: u
      api_key: {value: k}
      encryption_key: {value: "`+testKey+`"}
      init_vector: {value: "fedcba9876543210"}
    - id: s2
      api_base_url: http://sim:8081
      username: u
      api_key: {value: k}
      encryption_key: {value: "`+testKey+`"}
      init_vector: {value: "fedcba9876543210"}
      token_window: 2m
`)
	cfg, err := config.Load(path, env(nil), accountTypes)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"token_window defaults to 15m", sfaxes(cfg.Accounts)[0].TokenWindow, 15 * time.Minute},
		{"api_base_url defaults per provider", sfaxes(cfg.Accounts)[0].APIBaseURL, "https://api.sfaxme.com"},
		{"token_window kept when set", sfaxes(cfg.Accounts)[1].TokenWindow, 2 * time.Minute},
		{"api_base_url kept when set", sfaxes(cfg.Accounts)[1].APIBaseURL, "http://sim:8081"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.got, tt.want; got != want {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestLoadRejectsUnknownField(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		unknown string
	}{
		{"top level", "pipeline: {key: {value: \"" + testKey + "\"}}\ningres: {listen: \":8080\"}\n", "ingres"},
		{"in a section", "pipeline: {key: {value: \"" + testKey + "\"}, kye_id: k2}\n", "kye_id"},
		{"in a nested section", "pipeline: {key: {value: \"" + testKey + "\"}}\nstreams: {raw: {max_agee: 1h}}\n", "max_agee"},
		{"in an account", "pipeline: {key: {value: \"" + testKey + "\"}}\naccounts: {efax: [{id: e, hmac_secret: {value: h}, hmac: x}]}\n", "hmac"},
		{"in a secret", "pipeline: {key: {vaule: \"" + testKey + "\"}}\n", "vaule"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(writeConfig(t, tt.yaml), env(nil), accountTypes)
			if err == nil {
				t.Fatal("Load succeeded, want an error for the unknown field")
			}
			if got, want := err.Error(), tt.unknown; !strings.Contains(got, "field "+want+" not found") {
				t.Errorf("error %q does not name unknown field %q", got, want)
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := config.Load(filepath.Join(t.TempDir(), "absent.yaml"), env(nil), accountTypes)
	if got, want := errors.Is(err, os.ErrNotExist), true; got != want {
		t.Errorf("errors.Is(%v, os.ErrNotExist) = %v, want %v", err, got, want)
	}
}

func TestLoadEmptyFileNeedsPipelineKey(t *testing.T) {
	cfg, err := config.Load(writeConfig(t, ""), env(nil), accountTypes)
	if err == nil {
		t.Fatalf("Load of an empty file succeeded with %+v, want pipeline.key missing", cfg)
	}
	if got, want := strings.Join(fieldErrors(err), ","), "pipeline.key"; got != want {
		t.Errorf("invalid fields = %q, want %q", got, want)
	}
}

func TestLoadEnvOverrides(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		get  func(*config.Config) any
		want any
	}{
		{
			name: "nats url",
			env:  map[string]string{"FAXPIPE_NATS_URL": "nats://nats:4222"},
			get:  func(c *config.Config) any { return c.NATS.URL },
			want: "nats://nats:4222",
		},
		{
			name: "string overrides file value",
			env:  map[string]string{"FAXPIPE_LOG_FORMAT": "json"},
			get:  func(c *config.Config) any { return c.Log.Format },
			want: "json",
		},
		{
			name: "byte size with unit",
			env:  map[string]string{"FAXPIPE_INGRESS_BODY_LIMIT": "2MiB"},
			get:  func(c *config.Config) any { return c.Ingress.BodyLimit },
			want: config.ByteSize(2 << 20),
		},
		{
			name: "nested duration",
			env:  map[string]string{"FAXPIPE_STREAMS_RAW_MAX_AGE": "48h"},
			get:  func(c *config.Config) any { return c.Streams.Raw.MaxAge },
			want: 48 * time.Hour,
		},
		{
			name: "nested byte size",
			env:  map[string]string{"FAXPIPE_STREAMS_DOCUMENT_STORE_MAX_BYTES": "10GiB"},
			get:  func(c *config.Config) any { return c.Streams.DocumentStore.MaxBytes },
			want: config.ByteSize(10 << 30),
		},
		{
			name: "list",
			env:  map[string]string{"FAXPIPE_INGRESS_TRUSTED_PROXIES": "10.0.0.0/8,192.168.0.0/16"},
			get:  func(c *config.Config) any { return strings.Join(c.Ingress.TrustedProxies, "|") },
			want: "10.0.0.0/8|192.168.0.0/16",
		},
		{
			name: "list items trimmed, empty items dropped",
			env:  map[string]string{"FAXPIPE_INGRESS_TRUSTED_PROXIES": " 10.0.0.0/8 ,, 192.168.0.0/16 "},
			get:  func(c *config.Config) any { return strings.Join(c.Ingress.TrustedProxies, "|") },
			want: "10.0.0.0/8|192.168.0.0/16",
		},
		{
			name: "bool",
			env:  map[string]string{"FAXPIPE_NATS_EMBEDDED_SYNC_ALWAYS": "true"},
			get:  func(c *config.Config) any { return c.NATS.Embedded.SyncAlways },
			want: true,
		},
		{
			name: "float",
			env:  map[string]string{"FAXPIPE_INGRESS_RATE_LIMIT_CLIENT_RPS": "2.5"},
			get:  func(c *config.Config) any { return c.Ingress.RateLimit.ClientRPS },
			want: 2.5,
		},
		{
			name: "int",
			env:  map[string]string{"FAXPIPE_NATS_EMBEDDED_PORT": "14222"},
			get:  func(c *config.Config) any { return c.NATS.Embedded.Port },
			want: 14222,
		},
		{
			name: "tracing endpoint",
			env:  map[string]string{"FAXPIPE_TRACING_ENDPOINT": "http://otel-collector:4318"},
			get:  func(c *config.Config) any { return c.Tracing.Endpoint },
			want: "http://otel-collector:4318",
		},
		{
			name: "OpenTelemetry's endpoint variable when faxpipe's is unset",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example:4318"},
			get:  func(c *config.Config) any { return c.Tracing.Endpoint },
			want: "https://collector.example:4318",
		},
		{
			name: "faxpipe's tracing endpoint over OpenTelemetry's variable",
			env:  map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example:4318", "FAXPIPE_TRACING_ENDPOINT": "http://local:4318"},
			get:  func(c *config.Config) any { return c.Tracing.Endpoint },
			want: "http://local:4318",
		},
		{
			name: "tracing off by default",
			env:  nil,
			get:  func(c *config.Config) any { return c.Tracing.Enabled() },
			want: false,
		},
		{
			name: "empty variable leaves the file value",
			env:  map[string]string{"FAXPIPE_LOG_LEVEL": ""},
			get:  func(c *config.Config) any { return c.Log.Level },
			want: "info",
		},
		{
			name: "secret not overridden by its path",
			env:  map[string]string{"FAXPIPE_PIPELINE_KEY": "another-pipeline-key-of-32-bytes-at-least"},
			get:  func(c *config.Config) any { return c.Pipeline.Key.Reveal() },
			want: "demo-pipeline-key-0123456789abcdef-change-me",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Load(exampleFile, env(tt.env), accountTypes)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := tt.get(cfg), tt.want; got != want {
				t.Errorf("got %#v (%T), want %#v (%T)", got, got, want, want)
			}
		})
	}
}

func TestLoadEnvBadValueNamesFieldAndVariable(t *testing.T) {
	tests := []struct {
		name     string
		variable string
		value    string
		field    string
	}{
		{"byte size", "FAXPIPE_INGRESS_BODY_LIMIT", "lots", "ingress.body_limit"},
		{"duration", "FAXPIPE_STREAMS_RAW_MAX_AGE", "2 days", "streams.raw.max_age"},
		{"bool", "FAXPIPE_NATS_EMBEDDED_SYNC_ALWAYS", "maybe", "nats.embedded.sync_always"},
		{"float", "FAXPIPE_INGRESS_RATE_LIMIT_ACCOUNT_RPS", "fast", "ingress.rate_limit.account_rps"},
		{"int", "FAXPIPE_STREAMS_REPLICAS", "three", "streams.replicas"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(exampleFile, env(map[string]string{tt.variable: tt.value}), accountTypes)
			if err == nil {
				t.Fatalf("Load with %s=%q succeeded, want an error", tt.variable, tt.value)
			}
			for _, want := range []string{tt.field, tt.variable} {
				if got := err.Error(); !strings.Contains(got, want) {
					t.Errorf("error %q does not name %q", got, want)
				}
			}
		})
	}
}

func TestLoadEnvOverrideIsValidated(t *testing.T) {
	_, err := config.Load(exampleFile, env(map[string]string{"FAXPIPE_INGRESS_TRUSTED_PROXIES": "10.0.0.0/8,not-a-cidr"}), accountTypes)
	if got, want := strings.Join(fieldErrors(err), ","), "ingress.trusted_proxies[1]"; got != want {
		t.Errorf("invalid fields = %q, want %q (err %v)", got, want, err)
	}
}
