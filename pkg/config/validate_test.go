package config_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

func boolPtr(b bool) *bool { return &b }

// validConfig is Default() with a pipeline key and one valid account of each
// provider; each validation case breaks exactly one thing of it.
func validConfig() config.Config {
	c := config.Default()
	c.Pipeline.Key = config.Literal(testKey)
	c.Accounts = config.Accounts{
		&sfax.Account{
			AccountBase:   config.AccountBase{ID: "sf1", APIBaseURL: "https://api.sfaxme.com"},
			Username:      "master",
			APIKey:        config.Literal("5787A4EDBCDE46F9D6D2E067AC7097DC"),
			EncryptionKey: config.Literal(testKey),
			InitVector:    config.Literal("fedcba9876543210"),
			TokenWindow:   15 * time.Minute,
		},
		&gofax.Account{
			AccountBase: config.AccountBase{ID: "gf1", APIBaseURL: "https://restful-api.gofax.com.au"},
			BasicAuth:   gofax.BasicAuth{Username: "gofax", Password: config.Literal("pw")},
		},
		&efax.Account{
			AccountBase: config.AccountBase{ID: "ef1", APIBaseURL: "https://api.securedocex.com"},
			HMACSecret:  config.Literal("hmac"),
		},
	}
	return c
}

func TestValidConfigValidates(t *testing.T) {
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatalf("Validate() = %v, want nil", err)
	}
}

func TestValidateNamesBadField(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*config.Config)
		fields []string // nil: the configuration is valid
	}{
		// pipeline
		{"pipeline.key missing", func(c *config.Config) { c.Pipeline.Key = config.Secret{} }, []string{"pipeline.key"}},
		{"pipeline.key 31 bytes", func(c *config.Config) { c.Pipeline.Key = config.Literal(testKey[:31]) }, []string{"pipeline.key"}},
		{"pipeline.key_id with a space", func(c *config.Config) { c.Pipeline.KeyID = "k 1" }, []string{"pipeline.key_id"}},
		{"pipeline.key_id empty", func(c *config.Config) { c.Pipeline.KeyID = "" }, []string{"pipeline.key_id"}},
		// nats
		{"nats.url not a URL", func(c *config.Config) { c.NATS.URL = "not a url" }, []string{"nats.url"}},
		{"nats.url without host", func(c *config.Config) { c.NATS.URL = "nats://" }, []string{"nats.url"}},
		{"nats.url second of a list bad", func(c *config.Config) { c.NATS.URL = "nats://a:4222, localhost:4222" }, []string{"nats.url"}},
		{"nats.url cluster list valid", func(c *config.Config) { c.NATS.URL = "nats://a:4222, nats://b:4222" }, nil},
		{"nats.embedded.port 0", func(c *config.Config) { c.NATS.Embedded.Port = 0 }, []string{"nats.embedded.port"}},
		{"nats.embedded.port 65536", func(c *config.Config) { c.NATS.Embedded.Port = 65536 }, []string{"nats.embedded.port"}},
		{"nats.embedded.data_dir empty", func(c *config.Config) { c.NATS.Embedded.DataDir = "" }, []string{"nats.embedded.data_dir"}},
		{"nats.embedded.sync_interval 0", func(c *config.Config) { c.NATS.Embedded.SyncInterval = 0 }, []string{"nats.embedded.sync_interval"}},
		{"nats.embedded.sync_interval 0 with sync_always", func(c *config.Config) {
			c.NATS.Embedded.SyncInterval, c.NATS.Embedded.SyncAlways = 0, true
		}, nil},
		// log, admin
		{"log.level unknown", func(c *config.Config) { c.Log.Level = "loud" }, []string{"log.level"}},
		{"log.format unknown", func(c *config.Config) { c.Log.Format = "text" }, []string{"log.format"}},
		{"admin.listen without port", func(c *config.Config) { c.Admin.Listen = "localhost" }, []string{"admin.listen"}},
		{"admin.listen same as ingress.listen", func(c *config.Config) { c.Admin.Listen = c.Ingress.Listen }, []string{"admin.listen"}},
		// tracing
		{"tracing.endpoint valid", func(c *config.Config) { c.Tracing.Endpoint = "http://otel-collector:4318" }, nil},
		{"tracing.endpoint without scheme", func(c *config.Config) { c.Tracing.Endpoint = "otel-collector:4318" }, []string{"tracing.endpoint"}},
		{"tracing.endpoint grpc scheme", func(c *config.Config) { c.Tracing.Endpoint = "grpc://otel-collector:4317" }, []string{"tracing.endpoint"}},
		{"tracing.sample_ratio over 1", func(c *config.Config) { c.Tracing.SampleRatio = 1.5 }, []string{"tracing.sample_ratio"}},
		{"tracing.service_name empty", func(c *config.Config) { c.Tracing.ServiceName = "" }, []string{"tracing.service_name"}},
		{"tracing.ca_file without endpoint", func(c *config.Config) { c.Tracing.CAFile = "/ca.pem" }, []string{"tracing.ca_file"}},
		{"tracing.ca_file with an http endpoint", func(c *config.Config) {
			c.Tracing.Endpoint, c.Tracing.CAFile = "http://otel-collector:4318", "/ca.pem"
		}, []string{"tracing.ca_file"}},
		// streams
		{"streams.replicas 0", func(c *config.Config) { c.Streams.Replicas = 0 }, []string{"streams.replicas"}},
		{"streams.replicas 6", func(c *config.Config) { c.Streams.Replicas = 6 }, []string{"streams.replicas"}},
		{"streams.duplicate_window 0", func(c *config.Config) { c.Streams.DuplicateWindow = 0 }, []string{"streams.duplicate_window"}},
		{"streams.dedupe_ttl below duplicate_window", func(c *config.Config) { c.Streams.DedupeTTL = time.Minute }, []string{"streams.dedupe_ttl"}},
		{"streams.events.max_age below dedupe_ttl", func(c *config.Config) { c.Streams.Events.MaxAge = 5 * 24 * time.Hour }, []string{"streams.events.max_age"}},
		{"reconciler.catch_up past what dedupe remembers", func(c *config.Config) { c.Reconciler.CatchUp = 7 * 24 * time.Hour }, []string{"reconciler.catch_up"}},
		{"streams.raw.max_age negative", func(c *config.Config) { c.Streams.Raw.MaxAge = -time.Hour }, []string{"streams.raw.max_age"}},
		{"streams.events.max_age below duplicate_window", func(c *config.Config) { c.Streams.Events.MaxAge = time.Minute }, []string{"streams.events.max_age"}},
		{"streams.documents.max_age 0 (forever) refused", func(c *config.Config) { c.Streams.Documents.MaxAge = 0 }, []string{"streams.documents.max_age"}},
		{"streams.document_store.max_age 0 (forever) refused", func(c *config.Config) { c.Streams.DocumentStore.MaxAge = 0 }, []string{"streams.document_store.max_age"}},
		{"streams.raw.max_bytes -1 (unbounded) refused", func(c *config.Config) { c.Streams.Raw.MaxBytes = -1 }, []string{"streams.raw.max_bytes"}},
		{"streams.events.max_bytes -1 (unbounded) refused", func(c *config.Config) { c.Streams.Events.MaxBytes = -1 }, []string{"streams.events.max_bytes"}},
		{"streams.document_store.max_bytes 0 refused", func(c *config.Config) { c.Streams.DocumentStore.MaxBytes = 0 }, []string{"streams.document_store.max_bytes"}},
		{"nats.embedded.max_store below the streams' max_bytes", func(c *config.Config) { c.NATS.Embedded.MaxStore = 1 << 30 }, []string{"nats.embedded.max_store"}},
		{"nats.embedded.max_store holds the defaults", func(c *config.Config) { c.NATS.Embedded.MaxStore = 4 << 30 }, nil},
		{"nats.embedded.max_store ignored with nats.url", func(c *config.Config) {
			c.NATS.URL, c.NATS.Embedded.MaxStore = "nats://nats:4222", 1<<30
		}, nil},
		{"streams.document_store.max_age below duplicate_window", func(c *config.Config) { c.Streams.DocumentStore.MaxAge = time.Minute }, nil},
		{"streams.rejected.max_bytes 0", func(c *config.Config) { c.Streams.Rejected.MaxBytes = 0 }, []string{"streams.rejected.max_bytes"}},
		{"streams.document_store.max_bytes -2", func(c *config.Config) { c.Streams.DocumentStore.MaxBytes = -2 }, []string{"streams.document_store.max_bytes"}},
		{"streams.raw.max_bytes positive", func(c *config.Config) { c.Streams.Raw.MaxBytes = 1 << 30 }, nil},
		{"streams.forged.max_age 0 keeps forever", func(c *config.Config) { c.Streams.Forged.MaxAge = 0 }, []string{"streams.forged.max_age"}},
		{"streams.forged.max_age below duplicate_window", func(c *config.Config) { c.Streams.Forged.MaxAge = time.Minute }, []string{"streams.forged.max_age"}},
		{"streams.forged.max_bytes unlimited", func(c *config.Config) { c.Streams.Forged.MaxBytes = -1 }, []string{"streams.forged.max_bytes"}},
		{"streams.forged.max_bytes 0", func(c *config.Config) { c.Streams.Forged.MaxBytes = 0 }, []string{"streams.forged.max_bytes"}},
		{"streams.forged small", func(c *config.Config) { c.Streams.Forged = config.Retention{MaxAge: time.Hour, MaxBytes: 64 << 10} }, nil},
		// ingress
		{"ingress.listen without port", func(c *config.Config) { c.Ingress.Listen = "8080" }, []string{"ingress.listen"}},
		{"ingress.body_limit 0", func(c *config.Config) { c.Ingress.BodyLimit = 0 }, []string{"ingress.body_limit"}},
		{"ingress.publish_timeout 0", func(c *config.Config) { c.Ingress.PublishTimeout = 0 }, []string{"ingress.publish_timeout"}},
		{"ingress.publish_timeout over 10s", func(c *config.Config) {
			c.Ingress.PublishTimeout, c.Ingress.WriteTimeout = 11*time.Second, 30*time.Second
		}, []string{"ingress.publish_timeout"}},
		{"ingress.retry_after under 1s", func(c *config.Config) { c.Ingress.RetryAfter = 500 * time.Millisecond }, []string{"ingress.retry_after"}},
		{"ingress.max_pending 0", func(c *config.Config) { c.Ingress.MaxPending = 0 }, []string{"ingress.max_pending"}},
		{"ingress.read_header_timeout 0", func(c *config.Config) { c.Ingress.ReadHeaderTimeout = 0 }, []string{"ingress.read_header_timeout"}},
		{"ingress.read_timeout 0", func(c *config.Config) { c.Ingress.ReadTimeout = 0 }, []string{"ingress.read_timeout"}},
		{"ingress.idle_timeout 0", func(c *config.Config) { c.Ingress.IdleTimeout = 0 }, []string{"ingress.idle_timeout"}},
		{"ingress.shutdown_timeout 0", func(c *config.Config) { c.Ingress.ShutdownTimeout = 0 }, []string{"ingress.shutdown_timeout"}},
		{"ingress.write_timeout equal to publish_timeout", func(c *config.Config) { c.Ingress.WriteTimeout = c.Ingress.PublishTimeout }, []string{"ingress.write_timeout"}},
		{"ingress.write_timeout below publish_timeout", func(c *config.Config) { c.Ingress.WriteTimeout = time.Second }, []string{"ingress.write_timeout"}},
		{"ingress.rate_limit.account_burst 0 with account_rps", func(c *config.Config) { c.Ingress.RateLimit.AccountBurst = 0 }, []string{"ingress.rate_limit.account_burst"}},
		{"ingress.rate_limit.client_burst 0 with client_rps", func(c *config.Config) { c.Ingress.RateLimit.ClientBurst = 0 }, []string{"ingress.rate_limit.client_burst"}},
		{"ingress.rate_limit off needs no burst", func(c *config.Config) {
			c.Ingress.RateLimit = config.RateLimit{}
		}, nil},
		{"ingress.trusted_proxies bad CIDR", func(c *config.Config) {
			c.Ingress.TrustedProxies = []string{"10.0.0.0/8", "10.0.0.1", "fd00::/8"}
		}, []string{"ingress.trusted_proxies[1]"}},
		// accounts, every provider
		{"account id bad pattern", func(c *config.Config) { sfaxes(c.Accounts)[0].ID = "Bad.ID" }, []string{"accounts.sfax[0].id"}},
		{"account id empty", func(c *config.Config) { efaxes(c.Accounts)[0].ID = "" }, []string{"accounts.efax[0].id"}},
		{"duplicate account id", func(c *config.Config) {
			dup := *gofaxes(c.Accounts)[0]
			c.Accounts = append(c.Accounts, &dup)
		}, []string{"accounts.gofax[1].id"}},
		{"same account id under two providers", func(c *config.Config) {
			sfaxes(c.Accounts)[0].ID, gofaxes(c.Accounts)[0].ID, efaxes(c.Accounts)[0].ID = "demo", "demo", "demo"
		}, nil},
		{"api_base_url not http", func(c *config.Config) { sfaxes(c.Accounts)[0].APIBaseURL = "ftp://api.sfaxme.com" }, []string{"accounts.sfax[0].api_base_url"}},
		{"api_base_url empty", func(c *config.Config) { efaxes(c.Accounts)[0].APIBaseURL = "" }, []string{"accounts.efax[0].api_base_url"}},
		{"api_base_url http without allow_private_networks", func(c *config.Config) {
			gofaxes(c.Accounts)[0].APIBaseURL = "http://restful-api.gofax.com.au"
		}, []string{"accounts.gofax[0].api_base_url"}},
		{"api_base_url http with allow_private_networks (a local simulator)", func(c *config.Config) {
			c.Downloader.AllowPrivateNetworks = true
			gofaxes(c.Accounts)[0].APIBaseURL = "http://127.0.0.1:9601"
		}, nil},
		{"api_base_url ftp even with allow_private_networks", func(c *config.Config) {
			c.Downloader.AllowPrivateNetworks = true
			sfaxes(c.Accounts)[0].APIBaseURL = "ftp://api.sfaxme.com"
		}, []string{"accounts.sfax[0].api_base_url"}},
		// sfax
		{"sfax username empty", func(c *config.Config) { sfaxes(c.Accounts)[0].Username = "" }, []string{"accounts.sfax[0].username"}},
		{"sfax api_key missing", func(c *config.Config) { sfaxes(c.Accounts)[0].APIKey = config.Secret{} }, []string{"accounts.sfax[0].api_key"}},
		{"sfax encryption_key 12 bytes", func(c *config.Config) { sfaxes(c.Accounts)[0].EncryptionKey = config.Literal("short-key-12") }, []string{"accounts.sfax[0].encryption_key"}},
		{"sfax encryption_key 33 bytes", func(c *config.Config) { sfaxes(c.Accounts)[0].EncryptionKey = config.Literal(testKey + "x") }, []string{"accounts.sfax[0].encryption_key"}},
		{"sfax init_vector 8 bytes", func(c *config.Config) { sfaxes(c.Accounts)[0].InitVector = config.Literal("fedcba98") }, []string{"accounts.sfax[0].init_vector"}},
		{"sfax token_window 0", func(c *config.Config) { sfaxes(c.Accounts)[0].TokenWindow = 0 }, []string{"accounts.sfax[0].token_window"}},
		// gofax
		{"gofax basic_auth without password", func(c *config.Config) {
			gofaxes(c.Accounts)[0].BasicAuth.Password = config.Secret{}
		}, []string{"accounts.gofax[0].basic_auth.password"}},
		{"gofax url_secret without value", func(c *config.Config) {
			gofaxes(c.Accounts)[0].URLSecret = gofax.URLSecret{Param: "secret"}
		}, []string{"accounts.gofax[0].url_secret.value"}},
		{"gofax url_secret alone", func(c *config.Config) {
			gofaxes(c.Accounts)[0].BasicAuth = gofax.BasicAuth{}
			gofaxes(c.Accounts)[0].URLSecret = gofax.URLSecret{Param: "secret", Value: config.Literal("s")}
		}, nil},
		{"gofax neither basic_auth nor url_secret", func(c *config.Config) {
			gofaxes(c.Accounts)[0].BasicAuth = gofax.BasicAuth{}
		}, []string{"accounts.gofax[0].basic_auth"}},
		{"gofax neither with verify true", func(c *config.Config) {
			gofaxes(c.Accounts)[0].BasicAuth, gofaxes(c.Accounts)[0].Verify = gofax.BasicAuth{}, boolPtr(true)
		}, []string{"accounts.gofax[0].basic_auth"}},
		{"gofax neither with verify false", func(c *config.Config) {
			gofaxes(c.Accounts)[0].BasicAuth, gofaxes(c.Accounts)[0].Verify = gofax.BasicAuth{}, boolPtr(false)
		}, nil},
		// efax
		{"efax without hmac_secret", func(c *config.Config) { efaxes(c.Accounts)[0].HMACSecret = config.Secret{} }, []string{"accounts.efax[0].hmac_secret"}},
		{"efax without hmac_secret with verify false", func(c *config.Config) {
			efaxes(c.Accounts)[0].HMACSecret, efaxes(c.Accounts)[0].Verify = config.Secret{}, boolPtr(false)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			err := c.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var fe *config.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate() = %v, want a *config.FieldError", err)
			}
			if got, want := fe.Field, tt.fields[0]; got != want {
				t.Errorf("FieldError.Field = %q, want %q (err %v)", got, want, err)
			}
			if got, want := fieldErrors(err), tt.fields; !slices.Equal(got, want) {
				t.Errorf("invalid fields = %q, want %q", got, want)
			}
		})
	}
}

func TestValidateReportsEveryInvalidField(t *testing.T) {
	c := validConfig()
	c.Pipeline.Key = config.Secret{}
	c.NATS.URL = "not a url"
	c.Ingress.WriteTimeout = c.Ingress.PublishTimeout
	sfaxes(c.Accounts)[0].EncryptionKey = config.Literal("short")
	efaxes(c.Accounts)[0].HMACSecret = config.Secret{}
	want := []string{
		"accounts.efax[0].hmac_secret",
		"accounts.sfax[0].encryption_key",
		"ingress.write_timeout",
		"nats.url",
		"pipeline.key",
	}
	if got := fieldErrors(c.Validate()); !slices.Equal(got, want) {
		t.Errorf("invalid fields = %q, want %q", got, want)
	}
}

func TestFieldErrorMessage(t *testing.T) {
	c := validConfig()
	sfaxes(c.Accounts)[0].EncryptionKey = config.Literal("short-key-12")
	if got, want := c.Validate().Error(), "accounts.sfax[0].encryption_key: must be 32 bytes, got 12"; got != want {
		t.Errorf("Validate().Error() = %q, want %q", got, want)
	}
}

// loadYAMLPrefix is a valid start of a configuration file; cases append
// what they break.
const loadYAMLPrefix = "pipeline: {key: {value: \"" + testKey + "\"}}\n"

func TestLoadNamesInvalidFields(t *testing.T) {
	const sfax = `
accounts:
  sfax:
    - id: demo
      username: u
      api_key: {value: k}
      encryption_key: {value: "` + testKey + `"}
      init_vector: {value: fedcba9876543210}
`
	tests := []struct {
		name   string
		yaml   string
		fields []string
	}{
		{"sfax encryption_key not 32 bytes", loadYAMLPrefix + strings.Replace(sfax, testKey, "short-key-12", 1), []string{"accounts.sfax[0].encryption_key"}},
		{"duplicate account id", loadYAMLPrefix + sfax + strings.Replace(sfax, "accounts:\n  sfax:\n", "", 1), []string{"accounts.sfax[1].id"}},
		{"bad account id pattern", loadYAMLPrefix + strings.Replace(sfax, "id: demo", "id: Demo!", 1), []string{"accounts.sfax[0].id"}},
		{"pipeline.key missing", "pipeline: {key_id: k1}\n", []string{"pipeline.key"}},
		{"nats.url not a URL", loadYAMLPrefix + "nats: {url: \"nats:/ /x\"}\n", []string{"nats.url"}},
		{"ingress.write_timeout not above publish_timeout", loadYAMLPrefix + "ingress: {publish_timeout: 5s, write_timeout: 5s}\n", []string{"ingress.write_timeout"}},
		{"ingress.trusted_proxies bad CIDR", loadYAMLPrefix + "ingress: {trusted_proxies: [10.0.0.0/33]}\n", []string{"ingress.trusted_proxies[0]"}},
		{"gofax without basic_auth or url_secret", loadYAMLPrefix + "accounts: {gofax: [{id: g}]}\n", []string{"accounts.gofax[0].basic_auth"}},
		{"gofax verify false needs no auth", loadYAMLPrefix + "accounts: {gofax: [{id: g, verify: false}]}\n", nil},
		{"http api_base_url without allow_private_networks", loadYAMLPrefix + "accounts: {efax: [{id: e, api_base_url: \"http://api.example\", hmac_secret: {value: h}}]}\n", []string{"accounts.efax[0].api_base_url"}},
		{"http api_base_url with allow_private_networks", loadYAMLPrefix + "downloader: {allow_private_networks: true}\naccounts: {efax: [{id: e, api_base_url: \"http://127.0.0.1:9601\", hmac_secret: {value: h}}]}\n", nil},
		{"efax without hmac_secret", loadYAMLPrefix + "accounts: {efax: [{id: e}]}\n", []string{"accounts.efax[0].hmac_secret"}},
		{"several at once", "log: {format: text}\naccounts: {efax: [{id: e}], gofax: [{id: g, api_base_url: \"ftp://x\"}]}\n", []string{
			"accounts.efax[0].hmac_secret",
			"accounts.gofax[0].api_base_url",
			"accounts.gofax[0].basic_auth",
			"log.format",
			"pipeline.key",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.Load(writeConfig(t, tt.yaml), env(nil), accountTypes)
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Load() = %v, want nil", err)
				}
				return
			}
			var fe *config.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Load() = %v, want a *config.FieldError", err)
			}
			if got, want := fieldErrors(err), tt.fields; !slices.Equal(got, want) {
				t.Errorf("invalid fields = %q, want %q (err %v)", got, want, err)
			}
		})
	}
}

func TestValidateHTTPAPIBaseURLSaysWhy(t *testing.T) {
	c := validConfig()
	sfaxes(c.Accounts)[0].APIBaseURL = "http://api.sfaxme.com"
	err := c.Validate()
	var fe *config.FieldError
	if !errors.As(err, &fe) || fe.Field != "accounts.sfax[0].api_base_url" {
		t.Fatalf("Validate() = %v, want a FieldError on accounts.sfax[0].api_base_url", err)
	}
	for _, want := range []string{"in clear", "https", "downloader.allow_private_networks"} {
		if !strings.Contains(fe.Msg, want) {
			t.Errorf("message %q does not mention %q", fe.Msg, want)
		}
	}
}
