package cli

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// secretFiles are the values of every secret of secretsConfig, by file name.
var secretFiles = map[string]string{
	"pipeline-key":        "0123456789abcdef0123456789abcdef",
	"sfax-api-key":        "5787A4EDBCDE46F9D6D2E067AC7097DC",
	"sfax-encryption-key": "0123456789abcdef0123456789abcdef",
	"sfax-init-vector":    "fedcba9876543210",
	"gofax-password":      "gofax-password",
	"gofax-api-token":     "gofax-api-token",
	"efax-api-key":        "efax-api-key",
	"efax-hmac-secret":    "efax-hmac-secret",
}

// ownSecrets are the secret files each service uses: verification secrets
// and the pipeline key at the edge and in the processor, API credentials
// (Sfax's token is made of all three of its secrets) in the downloader.
var ownSecrets = map[string][]string{
	"ingress":    {"pipeline-key", "sfax-api-key", "sfax-encryption-key", "sfax-init-vector", "gofax-password", "efax-hmac-secret"},
	"processor":  {"pipeline-key", "sfax-api-key", "sfax-encryption-key", "sfax-init-vector", "gofax-password", "efax-hmac-secret"},
	"downloader": {"sfax-api-key", "sfax-encryption-key", "sfax-init-vector", "gofax-api-token", "efax-api-key"},
	"reconciler": {"pipeline-key", "sfax-api-key", "sfax-encryption-key", "sfax-init-vector", "gofax-password", "efax-api-key", "efax-hmac-secret"},
}

// secretsConfig writes a configuration naming every secret by a file, and
// only the files named (a Deployment's own Secret, mounted); it returns the
// configuration's path.
func secretsConfig(t *testing.T, natsURL, adminListen string, files []string) string {
	t.Helper()
	dir := t.TempDir()
	for _, n := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(secretFiles[n]), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f := func(name string) string { return "{file: " + filepath.Join(dir, name) + "}" }
	yaml := "pipeline: {key: " + f("pipeline-key") + "}\n" +
		"nats: {url: \"" + natsURL + "\"}\n" +
		"ingress: {listen: \"127.0.0.1:0\"}\n" +
		"admin: {listen: \"" + adminListen + "\"}\n" +
		"downloader: {allow_private_networks: true}\n" +
		"log: {level: warn, format: json}\n" +
		"accounts:\n" +
		"  sfax: [{id: acme, username: u, api_base_url: \"http://127.0.0.1:1\", api_key: " + f("sfax-api-key") + ", encryption_key: " + f("sfax-encryption-key") + ", init_vector: " + f("sfax-init-vector") + "}]\n" +
		"  gofax: [{id: acme, api_base_url: \"http://127.0.0.1:1\", basic_auth: {username: g, password: " + f("gofax-password") + "}, api_token: " + f("gofax-api-token") + "}]\n" +
		"  efax: [{id: acme, app_id: app, api_base_url: \"http://127.0.0.1:1\", api_key: " + f("efax-api-key") + ", hmac_secret: " + f("efax-hmac-secret") + "}]\n"
	path := filepath.Join(t.TempDir(), "faxpipe.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// startBroker starts an in-process JetStream server on a free port.
func startBroker(t *testing.T) string {
	t.Helper()
	cfg := config.Default().NATS.Embedded
	cfg.Port, cfg.DataDir = -1, t.TempDir()
	emb, err := stream.StartEmbedded(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	return emb.URL()
}

// lockedBuffer is a bytes.Buffer safe for the logger and the test at once.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServicesStartWithOnlyTheirOwnSecrets: each service starts and becomes
// ready with only its own secret files there; the others' (API credentials
// for the ingress, verification secrets and the pipeline key for the
// downloader) do not exist.
func TestServicesStartWithOnlyTheirOwnSecrets(t *testing.T) {
	natsURL := startBroker(t)
	for _, svc := range []string{"ingress", "processor", "downloader", "reconciler"} {
		t.Run(svc, func(t *testing.T) {
			admin := streamtest.FreeAddr(t)
			path := secretsConfig(t, natsURL, admin, ownSecrets[svc])
			var stderr lockedBuffer
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() {
				done <- Run(ctx, []string{"-config", path, svc}, func(string) string { return "" }, io.Discard, &stderr)
			}()
			defer func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("faxpipe %s stopped with %v", svc, err)
				}
			}()
			if err := awaitReadyOrDone(ctx, "http://"+admin+"/readyz", done); err != nil {
				cancel()
				t.Fatalf("faxpipe %s with only its own secrets: %v\n%s", svc, err, stderr.String())
			}
		})
	}
}

// awaitReadyOrDone polls url until it answers 200, or returns the error of
// a process that stopped first, or gives up after 20 s.
func awaitReadyOrDone(ctx context.Context, url string, done chan error) error {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-done:
			done <- err // for the deferred wait
			if err == nil {
				err = context.Canceled
			}
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestServicesRefuseWithoutTheirOwnSecret: without one of its own secret
// files, a service stops at start with an error naming the field; it does
// not get as far as NATS.
func TestServicesRefuseWithoutTheirOwnSecret(t *testing.T) {
	fields := map[string]string{
		"pipeline-key":        "pipeline.key",
		"sfax-api-key":        "accounts.sfax[0].api_key",
		"sfax-encryption-key": "accounts.sfax[0].encryption_key",
		"sfax-init-vector":    "accounts.sfax[0].init_vector",
		"gofax-password":      "accounts.gofax[0].basic_auth.password",
		"gofax-api-token":     "accounts.gofax[0].api_token",
		"efax-api-key":        "accounts.efax[0].api_key",
		"efax-hmac-secret":    "accounts.efax[0].hmac_secret",
	}
	for svc, own := range ownSecrets {
		for _, missing := range own {
			t.Run(svc+" without "+missing, func(t *testing.T) {
				files := slices.DeleteFunc(slices.Clone(own), func(n string) bool { return n == missing })
				path := secretsConfig(t, "nats://127.0.0.1:1", streamtest.FreeAddr(t), files)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				err := Run(ctx, []string{"-config", path, svc}, func(string) string { return "" }, io.Discard, io.Discard)
				want := fields[missing] + ": read secret file"
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("faxpipe %s without %s: %v, want an error with %q", svc, missing, err, want)
				}
				if n := strings.Count(err.Error(), "read secret file"); n != 1 {
					t.Errorf("error names %d missing secrets, want only its own one: %v", n, err)
				}
			})
		}
	}
}

// TestEveryCommandSaysWhatItLoads: every service has its uses, every tool
// its own; tail loads no secret but NATS's.
func TestEveryCommandSaysWhatItLoads(t *testing.T) {
	for _, s := range services {
		if u := usesOf(s.name); u != serviceUses[s.name]|config.UseNATS || serviceUses[s.name] == 0 {
			t.Errorf("faxpipe %s loads the secrets of %s: give it its own uses in serviceUses", s.name, u)
		}
	}
	for _, tl := range tools {
		if tl.uses == 0 {
			t.Errorf("tool %s says nothing of the secrets it loads", tl.name)
		}
	}
	for cmd, want := range map[string]config.Uses{
		"all": config.UseAll, "tail": config.UseNATS, "replay": config.UseProcessor | config.UseNATS,
		"reconcile": config.UseReconciler | config.UseNATS, "sim": config.UseSimulator,
	} {
		if got := usesOf(cmd); got != want {
			t.Errorf("faxpipe %s loads the secrets of %s, want %s", cmd, got, want)
		}
	}
}
