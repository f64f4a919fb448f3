package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// perServiceYAML names every secret by a file in dir (the way Kubernetes
// mounts a Deployment's Secret), one account of each provider.
func perServiceYAML(dir string) string {
	f := func(name string) string { return "{file: " + filepath.Join(dir, name) + "}" }
	return "pipeline: {key: " + f("pipeline-key") + "}\n" +
		"accounts:\n" +
		"  sfax: [{id: s, username: u, api_key: " + f("sfax-api-key") + ", encryption_key: " + f("sfax-encryption-key") + ", init_vector: " + f("sfax-init-vector") + "}]\n" +
		"  gofax: [{id: g, basic_auth: {username: g, password: " + f("gofax-password") + "}, api_token: " + f("gofax-api-token") + "}]\n" +
		"  efax: [{id: e, app_id: app, api_key: " + f("efax-api-key") + ", hmac_secret: " + f("efax-hmac-secret") + "}]\n"
}

// secretFiles are the values of every secret file of perServiceYAML.
var secretFiles = map[string]string{
	"pipeline-key":        testKey,
	"sfax-api-key":        "5787A4EDBCDE46F9D6D2E067AC7097DC",
	"sfax-encryption-key": "0123456789abcdef0123456789abcdef",
	"sfax-init-vector":    "fedcba9876543210",
	"gofax-password":      "gofax-password",
	"gofax-api-token":     "gofax-api-token",
	"efax-api-key":        "efax-api-key",
	"efax-hmac-secret":    "efax-hmac-secret",
}

// The secret files each service uses, and the fields they fill.
var (
	ingressFiles = []string{"pipeline-key", "sfax-api-key", "sfax-encryption-key", "sfax-init-vector", "gofax-password", "efax-hmac-secret"}
	// The downloader has no verification secret (gofax-password,
	// efax-hmac-secret) and no pipeline key; Sfax's API tokens are made of
	// all three of its secrets.
	downloaderFiles = []string{"sfax-api-key", "sfax-encryption-key", "sfax-init-vector", "gofax-api-token", "efax-api-key"}
	reconcilerFiles = []string{"pipeline-key", "sfax-api-key", "sfax-encryption-key", "sfax-init-vector", "gofax-password", "efax-api-key", "efax-hmac-secret"}
	fieldOfFile     = map[string]string{
		"pipeline-key":        "pipeline.key",
		"sfax-api-key":        "accounts.sfax[0].api_key",
		"sfax-encryption-key": "accounts.sfax[0].encryption_key",
		"sfax-init-vector":    "accounts.sfax[0].init_vector",
		"gofax-password":      "accounts.gofax[0].basic_auth.password",
		"gofax-api-token":     "accounts.gofax[0].api_token",
		"efax-api-key":        "accounts.efax[0].api_key",
		"efax-hmac-secret":    "accounts.efax[0].hmac_secret",
	}
)

// writeSecretFiles writes the named secret files into a fresh directory,
// and the configuration naming all of them; it returns the configuration's
// path.
func writeSecretFiles(t *testing.T, names []string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(secretFiles[n]+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return writeConfig(t, perServiceYAML(dir))
}

// without is names less drop.
func without(names []string, drop string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == drop })
}

// secretsOf lists the configuration's secrets by field, as the tests name
// them (fieldOfFile).
func secretsOf(cfg *config.Config) map[string]config.Secret {
	s, g, e := sfaxes(cfg.Accounts)[0], gofaxes(cfg.Accounts)[0], efaxes(cfg.Accounts)[0]
	return map[string]config.Secret{
		"pipeline.key":                          cfg.Pipeline.Key,
		"accounts.sfax[0].api_key":              s.APIKey,
		"accounts.sfax[0].encryption_key":       s.EncryptionKey,
		"accounts.sfax[0].init_vector":          s.InitVector,
		"accounts.gofax[0].basic_auth.password": g.BasicAuth.Password,
		"accounts.gofax[0].api_token":           g.APIToken,
		"accounts.efax[0].api_key":              e.APIKey,
		"accounts.efax[0].hmac_secret":          e.HMACSecret,
	}
}

var serviceFiles = []struct {
	name  string
	uses  config.Uses
	files []string
}{
	{"ingress", config.UseIngress | config.UseNATS, ingressFiles},
	{"processor", config.UseProcessor | config.UseNATS, ingressFiles},
	{"downloader", config.UseDownloader | config.UseNATS, downloaderFiles},
	{"reconciler", config.UseReconciler | config.UseNATS, reconcilerFiles},
}

// TestLoadForReadsOnlyItsOwnSecrets: each service loads with only its own
// secret files present, resolves exactly those, and withholds the others,
// which read as empty.
func TestLoadForReadsOnlyItsOwnSecrets(t *testing.T) {
	for _, tt := range serviceFiles {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.LoadFor(writeSecretFiles(t, tt.files), env(nil), accountTypes, tt.uses)
			if err != nil {
				t.Fatalf("LoadFor with only the %s's secrets: %v", tt.name, err)
			}
			own := map[string]bool{}
			for _, f := range tt.files {
				own[fieldOfFile[f]] = true
			}
			for field, s := range secretsOf(cfg) {
				if own[field] {
					if s.Withheld() || !s.IsSet() {
						t.Errorf("%s: withheld %v, set %v; want it loaded", field, s.Withheld(), s.IsSet())
					}
					continue
				}
				if !s.Withheld() || s.Reveal() != "" || s.Configured() {
					t.Errorf("%s: withheld %v, configured %v, value %d bytes; want withheld, its source forgotten", field, s.Withheld(), s.Configured(), len(s.Reveal()))
				}
			}
		})
	}
}

// TestLoadForRefusesAMissingOwnSecret: without any one of its own secret
// files, a service refuses to start with an error naming that field, and
// only that one.
func TestLoadForRefusesAMissingOwnSecret(t *testing.T) {
	for _, tt := range serviceFiles {
		for _, missing := range tt.files {
			t.Run(tt.name+" without "+missing, func(t *testing.T) {
				_, err := config.LoadFor(writeSecretFiles(t, without(tt.files, missing)), env(nil), accountTypes, tt.uses)
				if got, want := fieldErrors(err), []string{fieldOfFile[missing]}; !slices.Equal(got, want) {
					t.Fatalf("LoadFor error %v names %q, want %q", err, got, want)
				}
				if !strings.Contains(err.Error(), "read secret file") {
					t.Errorf("error %q does not say the file could not be read", err)
				}
			})
		}
	}
}

// TestLoadForValidatesOnlyWhatItUses: a check on a secret the process does
// not use is not reported; the same check fails a process that uses it.
func TestLoadForValidatesOnlyWhatItUses(t *testing.T) {
	yaml := loadYAMLPrefix + "accounts:\n" +
		"  efax: [{id: e, api_key: {value: k}}]\n" + // verifying, without its HMAC secret
		"  sfax: [{id: s, username: u, api_key: {value: k}, encryption_key: {value: short}, init_vector: {value: fedcba9876543210}}]\n"
	tests := []struct {
		name string
		uses config.Uses
		want []string
	}{
		{"the processor needs the HMAC secret", config.UseProcessor, []string{"accounts.efax[0].hmac_secret", "accounts.sfax[0].encryption_key"}},
		{"the downloader does not, but Sfax's key makes its tokens", config.UseDownloader, []string{"accounts.sfax[0].encryption_key"}},
		{"tail needs no account secret", config.UseNATS, nil},
		{"all needs every one", config.UseAll, []string{"accounts.efax[0].hmac_secret", "accounts.sfax[0].encryption_key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.LoadFor(writeConfig(t, yaml), env(nil), accountTypes, tt.uses)
			if got := fieldErrors(err); !slices.Equal(got, tt.want) {
				t.Errorf("LoadFor error %v names %q, want %q", err, got, tt.want)
			}
		})
	}
}

// TestLoadForNeedsNoPipelineKeyInTheDownloader: the downloader alone has no
// use for the pipeline key; every other service needs it, as Load does.
func TestLoadForNeedsNoPipelineKeyInTheDownloader(t *testing.T) {
	for _, tt := range []struct {
		name string
		uses config.Uses
		want []string
	}{
		{"downloader", config.UseDownloader | config.UseNATS, nil},
		{"tail", config.UseNATS, nil},
		{"ingress", config.UseIngress | config.UseNATS, []string{"pipeline.key"}},
		{"reconciler", config.UseReconciler | config.UseNATS, []string{"pipeline.key"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := config.LoadFor(writeConfig(t, "pipeline: {key: {env: PIPELINE_KEY}}\n"), env(nil), accountTypes, tt.uses)
			if got := fieldErrors(err); !slices.Equal(got, tt.want) {
				t.Errorf("LoadFor error %v names %q, want %q", err, got, tt.want)
			}
		})
	}
}

// TestLoadIsLoadForAll: Load, as existing callers use it, needs every
// secret.
func TestLoadIsLoadForAll(t *testing.T) {
	_, err := config.Load(writeSecretFiles(t, without(without(ingressFiles, "pipeline-key"), "efax-hmac-secret")), env(nil), accountTypes)
	want := []string{"accounts.efax[0].api_key", "accounts.efax[0].hmac_secret", "accounts.gofax[0].api_token", "pipeline.key"}
	if got := fieldErrors(err); !slices.Equal(got, want) {
		t.Errorf("Load error %v names %q, want %q", err, got, want)
	}
}

// TestRequireLoaded: a constructor asking for a withheld secret gets an
// error naming the account and the secret; a loaded one passes.
func TestRequireLoaded(t *testing.T) {
	cfg, err := config.LoadFor(writeSecretFiles(t, ingressFiles), env(nil), accountTypes, config.UseIngress)
	if err != nil {
		t.Fatal(err)
	}
	g := gofaxes(cfg.Accounts)[0]
	if err := config.RequireLoaded(g, "basic_auth.password"); err != nil {
		t.Errorf("RequireLoaded of a loaded secret: %v", err)
	}
	err = config.RequireLoaded(g, "basic_auth.password", "api_token")
	if err == nil || !strings.Contains(err.Error(), `gofax account "g": api_token was not loaded`) || !strings.Contains(err.Error(), "it is for downloader, which") {
		t.Errorf("RequireLoaded of a withheld secret: %v, want it named with who uses it", err)
	}
	if err := config.RequireLoaded(g, "apitoken"); err == nil || !strings.Contains(err.Error(), "no secret apitoken") {
		t.Errorf("RequireLoaded of a secret the account does not have: %v", err)
	}
}

func TestUsesString(t *testing.T) {
	for _, tt := range []struct {
		u    config.Uses
		want string
	}{
		{0, "none"},
		{config.UseDownloader | config.UseNATS, "downloader+nats"},
		{config.VerifiesCallbacks, "ingress+processor+reconciler"},
		{config.UseAll, "ingress+processor+downloader+reconciler+nats+embedded-broker+sim"},
	} {
		if got := tt.u.String(); got != tt.want {
			t.Errorf("Uses(%d) = %q, want %q", tt.u, got, tt.want)
		}
	}
}
