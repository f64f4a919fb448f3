package e2e

import (
	"context"
	"encoding/base64"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestNoSecretLeaks runs traffic of every provider and kind through the
// pipeline with debug logs, then scans every log line, every message of
// every stream (raw callbacks, events, documents, rejections, the object
// store's metadata) and every metric for the secrets of the
// configuration, as written and as they travel (Basic auth, query
// escaping). None may appear.
func TestNoSecretLeaks(t *testing.T) {
	p := startPipeline(t, pipelineOptions{env: []string{"FAXPIPE_LOG_LEVEL=debug"}})
	s := startSim(t, p, sim.Options{Count: 40, Concurrency: 8, Seed: 29, DuplicateRate: 0.2, RetryScale: 0.01,
		Faults: sim.Faults{ErrorRate: 0.2, TooManyRate: 0.1}})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r, err := s.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	js := connect(t, p.natsURL)
	verify(t, r, awaitLanded(t, js, r, 60*time.Second))

	corpus := map[string]string{}
	for name, pr := range map[string]*proc{"ingress log": p.ingress, "processor log": p.processor, "downloader log": p.downloader} {
		corpus[name] = pr.Output()
		if n := strings.Count(corpus[name], "\n"); n < 5 {
			t.Errorf("%s has %d lines: the scan would be weaker than it says", name, n)
		}
	}
	for name, base := range p.admin {
		corpus[name+" metrics"] = metricsText(t, base)
	}
	for name, text := range allStreams(ctx, t, js) {
		corpus["stream "+name] = text
	}
	secrets := configSecrets(t, p)
	for where, text := range corpus {
		for what, secret := range secrets {
			if strings.Contains(text, secret) {
				t.Errorf("%s contains %s", where, what)
			}
		}
	}
	if len(corpus) < 10 || len(secrets) < 10 {
		t.Errorf("scanned %d places for %d secrets: too few to mean anything", len(corpus), len(secrets))
	}
}

// configSecrets are the secrets of p's configuration, named, in the forms
// they are sent in.
func configSecrets(t testing.TB, p *pipeline) map[string]string {
	t.Helper()
	cfg, err := config.Load(p.config, os.Getenv, provider.AccountTypes())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{"pipeline key": cfg.Pipeline.Key.Reveal()}
	add := func(name, v string) {
		out[name] = v
		out[name+" (query-escaped)"] = url.QueryEscape(v)
	}
	for _, a := range config.AccountsOf[sfax.Account](cfg.Accounts) {
		add("sfax api_key", a.APIKey.Reveal())
		add("sfax encryption_key", a.EncryptionKey.Reveal())
		add("sfax init_vector", a.InitVector.Reveal())
	}
	for _, a := range config.AccountsOf[gofax.Account](cfg.Accounts) {
		add("gofax password", a.BasicAuth.Password.Reveal())
		out["gofax Basic credentials"] = base64.StdEncoding.EncodeToString([]byte(a.BasicAuth.Username + ":" + a.BasicAuth.Password.Reveal()))
		add("gofax url secret", a.URLSecret.Value.Reveal())
		add("gofax api_token", a.APIToken.Reveal())
	}
	for _, a := range config.AccountsOf[efax.Account](cfg.Accounts) {
		add("efax api_key", a.APIKey.Reveal())
		add("efax hmac_secret", a.HMACSecret.Reveal())
		out["efax client credentials"] = base64.StdEncoding.EncodeToString([]byte(a.AppID + ":" + a.APIKey.Reveal()))
	}
	return out
}

// allStreams is every message (headers and data) of every stream, by
// stream name.
func allStreams(ctx context.Context, t testing.TB, js jetstream.JetStream) map[string]string {
	t.Helper()
	out := map[string]string{}
	names := js.StreamNames(ctx)
	for name := range names.Name() {
		var b strings.Builder
		for _, m := range readStream(ctx, t, js, name) {
			b.WriteString(m.Subject() + "\n")
			for k, vs := range m.Headers() {
				b.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
			}
			b.Write(m.Data())
			b.WriteString("\n")
		}
		out[name] = b.String()
	}
	if err := names.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func metricsText(t testing.TB, base string) string {
	t.Helper()
	resp, err := httpGet(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	return resp
}
