package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/doctor"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// exampleConfig is the configuration `make demo` runs with.
const exampleConfig = "../../deploy/config/faxpipe.example.yaml"

// demoAPI is where the example configuration's accounts find the
// simulator's API (`make demo`).
const demoAPI = "http://127.0.0.1:9601"

// doctorBench is the demo's configuration against a simulator of its own
// accounts (with their right secrets) and an in-process broker.
type doctorBench struct {
	srv  *streamtest.Server
	conn *stream.Conn
	api  string // the simulator's API base URL
	yaml string // the example configuration, pointed at api
}

// newDoctorBench starts the simulator with the example's accounts, as
// `make demo` does (on a free port rather than 9601), and a broker with
// the example's topology, edited by edit if not nil, as a faxpipe service
// leaves it.
func newDoctorBench(t *testing.T, edit func(*config.Streams)) *doctorBench {
	t.Helper()
	cfg, err := config.Load(exampleConfig, func(string) string { return "" }, provider.AccountTypes())
	if err != nil {
		t.Fatal(err)
	}
	s := simtest.Start(t, provider.Sims, cfg.Accounts,
		sim.Options{Target: "http://127.0.0.1:1", APIListen: "127.0.0.1:0"}, zap.NewNop())
	raw, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&cfg.Streams)
	}
	srv := streamtest.Start(t)
	b := &doctorBench{srv: srv, conn: streamtest.Connect(t, srv, cfg.Streams), api: s.APIURL()}
	b.yaml = strings.ReplaceAll(string(raw), demoAPI, b.api)
	if strings.Count(b.yaml, b.api) < len(provider.Registry) {
		t.Fatalf("the example configuration no longer has an account of each provider at %s", demoAPI)
	}
	return b
}

// run runs `faxpipe doctor args…` on the bench's configuration with
// edit's replacements made in it (old, new, …), each of which must apply.
func (b *doctorBench) run(t *testing.T, edit []string, args ...string) (stdout string, err error) {
	t.Helper()
	yaml := b.yaml
	for i := 0; i+1 < len(edit); i += 2 {
		if !strings.Contains(yaml, edit[i]) {
			t.Fatalf("the example configuration has no %q", edit[i])
		}
		yaml = strings.ReplaceAll(yaml, edit[i], edit[i+1])
	}
	path := filepath.Join(t.TempDir(), "faxpipe.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"FAXPIPE_NATS_URL": b.srv.URL()}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	err = Run(ctx, append([]string{"-config", path, "doctor"}, args...), func(k string) string { return env[k] }, &out, &errOut)
	return out.String(), err
}

// report is `faxpipe doctor --json`'s output, read back.
type report struct {
	Status string         `json:"status"`
	OK     int            `json:"ok"`
	Warn   int            `json:"warn"`
	Fail   int            `json:"fail"`
	Checks []doctor.Check `json:"checks"`
}

func (b *doctorBench) report(t *testing.T, edit []string, args ...string) (report, error) {
	t.Helper()
	out, err := b.run(t, edit, append([]string{"--json", "--public-url", "https://faxpipe.example.com"}, args...)...)
	var r report
	if jerr := json.Unmarshal([]byte(out), &r); jerr != nil {
		t.Fatalf("doctor --json printed %q (%v): %v", out, err, jerr)
	}
	return r, err
}

// byStatus are the names of r's checks of status s.
func (r report) byStatus(s doctor.Status) []string {
	var out []string
	for _, c := range r.Checks {
		if c.Status == s {
			out = append(out, c.Name+": "+c.Detail)
		}
	}
	return out
}

// check is r's check named name; it fails the test when there is none.
func (r report) check(t *testing.T, name string) doctor.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q in %+v", name, r.Checks)
	return doctor.Check{}
}

// TestDoctorPassesWithTheDemoConfiguration: the example configuration,
// its accounts' APIs the simulator's as `make demo` wires them, passes
// every check: configuration, broker, each stream and bucket, the clock,
// and each account's API base URL, credentials and callback URL.
func TestDoctorPassesWithTheDemoConfiguration(t *testing.T) {
	b := newDoctorBench(t, nil)
	r, err := b.report(t, nil)
	if err != nil {
		t.Fatalf("doctor: %v", err)
	}
	if r.Status != "ok" || r.Fail != 0 || r.Warn != 0 {
		t.Fatalf("status %s, warnings %q, failures %q; want all ok", r.Status, r.byStatus(doctor.Warn), r.byStatus(doctor.Fail))
	}
	names := []string{"configuration", "broker", "stream FAXPIPE_RAW", "stream FAXPIPE_EVENTS", "stream FAXPIPE_DOCUMENTS",
		"stream FAXPIPE_REJECTED", "stream FAXPIPE_FORGED", "stream FAXPIPE_AUDIT",
		"object store faxpipe-documents", "clock"}
	for _, p := range slices.Sorted(maps.Keys(provider.Registry)) {
		for _, c := range []string{"api_base_url", "credentials", "callback URL"} {
			names = append(names, string(p)+"/demo "+c)
		}
	}
	for _, n := range names {
		if c := r.check(t, n); c.Status != doctor.OK || c.Detail == "" {
			t.Errorf("%s: %s %q, want ok with a detail", n, c.Status, c.Detail)
		}
	}
	if got, want := len(r.Checks), len(names); got != want {
		t.Errorf("%d checks, want %d", got, want)
	}
	if got, want := r.check(t, "gofax/demo callback URL").Detail, "https://faxpipe.example.com/callbacks/gofax/demo?secret="+doctor.Mask; got != want {
		t.Errorf("GoFax callback URL %q, want %q", got, want)
	}
	if got, want := r.check(t, "sfax/demo credentials").Detail, "accepted by the provider's API"; got != want {
		t.Errorf("Sfax credentials: %q, want %q", got, want)
	}
}

// TestDoctorNamesTheAccountWithWrongCredentials: a wrong eFax API key
// (the client secret of its tokens), a wrong Sfax encryption key (its
// tokens do not decrypt) and a wrong GoFax API token each fail the
// doctor, on that account's credentials check alone, saying the provider
// refused them, without printing either key.
func TestDoctorNamesTheAccountWithWrongCredentials(t *testing.T) {
	b := newDoctorBench(t, nil)
	tests := []struct {
		name, account, right, wrong string
	}{
		{"efax api key", "efax/demo", "demo-efax-api-key", "wrong-efax-api-key"},
		{"sfax encryption key", "sfax/demo", "0123456789abcdef0123456789abcdef", "abcdef0123456789abcdef0123456789"},
		{"gofax api token", "gofax/demo", "demo-gofax-api-token", "wrong-gofax-api-token"},
		{"telnyx api key", "telnyx/demo", "demo-telnyx-api-key", "wrong-telnyx-api-key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := b.report(t, []string{`{value: "` + tt.right + `"}`, `{value: "` + tt.wrong + `"}`})
			if !errors.Is(err, doctor.ErrFailed) {
				t.Fatalf("doctor: %v, want doctor.ErrFailed", err)
			}
			if r.Status != "fail" || r.Fail != 1 {
				t.Fatalf("status %s with failures %q, want only %s's credentials", r.Status, r.byStatus(doctor.Fail), tt.account)
			}
			c := r.check(t, tt.account+" credentials")
			if c.Status != doctor.Fail || !strings.HasPrefix(c.Detail, docfetch.ErrUnauthorized.Error()) {
				t.Errorf("%s credentials: %s %q, want a failure saying the provider refused them", tt.account, c.Status, c.Detail)
			}
			if p, a, _ := strings.Cut(tt.account, "/"); string(c.Provider) != p || c.Account != a {
				t.Errorf("check of provider %q account %q, want %s", c.Provider, c.Account, tt.account)
			}
			out, _ := json.Marshal(r)
			for _, secret := range []string{tt.right, tt.wrong} {
				if bytes.Contains(out, []byte(secret)) {
					t.Errorf("the report prints the secret %q", secret)
				}
			}
		})
	}
}

// TestDoctorTextAndExitStatus: without --json the report is a line per
// check, failures in capitals, and the counts; the command's error (exit
// status 1) comes with any failure, and not with warnings alone.
func TestDoctorTextAndExitStatus(t *testing.T) {
	b := newDoctorBench(t, nil)
	out, err := b.run(t, nil) // no --public-url: the callback URLs warn
	if err != nil {
		t.Fatalf("doctor with warnings only: %v, want no error", err)
	}
	if !strings.Contains(out, "WARN  sfax/demo callback URL") || !strings.Contains(out, "http://127.0.0.1:8080/callbacks/sfax/demo") {
		t.Errorf("no warning about the callback URL at the ingress's own address:\n%s", out)
	}
	// Per account: api_base_url, credentials, callback URL (a warning
	// without --public-url); then configuration, broker, clock, and one
	// check per stream and bucket.
	accounts, topology := len(provider.Registry), len(stream.NewTopology(config.Default().Streams).StreamNames())
	want := fmt.Sprintf("%d checks: %d ok, %d warnings, 0 failed", 3*accounts+3+topology, 2*accounts+3+topology, accounts)
	if !strings.Contains(out, want) {
		t.Errorf("no counts line:\n%s", out)
	}
	out, err = b.run(t, []string{`{value: "demo-gofax-api-token"}`, `{value: "nope"}`})
	if !errors.Is(err, doctor.ErrFailed) {
		t.Fatalf("doctor with a wrong GoFax token: %v, want doctor.ErrFailed", err)
	}
	if !strings.Contains(out, "FAIL  gofax/demo credentials") || !strings.Contains(out, "HTTP 401") {
		t.Errorf("no failure line for the GoFax credentials:\n%s", out)
	}
}

// TestDoctorJSONShape: --json prints one object with the overall status,
// the counts and every check with its name, status and detail (provider
// and account on an account's checks only), whatever the outcome.
func TestDoctorJSONShape(t *testing.T) {
	b := newDoctorBench(t, nil)
	out, err := b.run(t, []string{`{value: "demo-efax-api-key"}`, `{value: "nope"}`}, "--json")
	if !errors.Is(err, doctor.ErrFailed) {
		t.Fatalf("doctor: %v, want doctor.ErrFailed", err)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	for _, k := range []string{"status", "ok", "warn", "fail", "checks"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q member in %s", k, out)
		}
	}
	if doc["status"] != "fail" {
		t.Errorf("status %v, want fail", doc["status"])
	}
	checks, _ := doc["checks"].([]any)
	counts := map[string]float64{}
	for _, c := range checks {
		m, _ := c.(map[string]any)
		for _, k := range []string{"name", "status", "detail"} {
			if s, _ := m[k].(string); s == "" {
				t.Errorf("check %v has no %s", m, k)
			}
		}
		name, _ := m["name"].(string)
		_, hasAccount := m["account"]
		if isAccount := strings.Contains(name, "/demo "); hasAccount != isAccount {
			t.Errorf("check %q: account member present %v", name, hasAccount)
		}
		counts[m["status"].(string)]++
	}
	for _, s := range []string{"ok", "warn", "fail"} {
		if doc[s] != counts[s] {
			t.Errorf("%s: %v, but %v checks have that status", s, doc[s], counts[s])
		}
	}
	if want := 3*len(provider.Registry) + 3 + len(stream.NewTopology(config.Default().Streams).StreamNames()); len(checks) != want || counts["fail"] != 1 {
		t.Errorf("%d checks, %v failed; want %d checks, one failed", len(checks), counts["fail"], want)
	}
}

// TestDoctorFindsAMissingStream: a stream of the topology deleted fails
// its check, and the doctor.
func TestDoctorFindsAMissingStream(t *testing.T) {
	b := newDoctorBench(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := b.conn.JS.DeleteStream(ctx, fax.DocumentsStream); err != nil {
		t.Fatal(err)
	}
	r, err := b.report(t, nil)
	if !errors.Is(err, doctor.ErrFailed) {
		t.Fatalf("doctor: %v, want doctor.ErrFailed", err)
	}
	c := r.check(t, "stream FAXPIPE_DOCUMENTS")
	if c.Status != doctor.Fail || !strings.HasPrefix(c.Detail, "missing") {
		t.Errorf("FAXPIPE_DOCUMENTS: %s %q, want failed, missing", c.Status, c.Detail)
	}
	if r.Fail != 1 {
		t.Errorf("failures %q, want the missing stream's alone", r.byStatus(doctor.Fail))
	}
}

// TestDoctorFindsAStreamNearItsLimit: FAXPIPE_EVENTS (full: new events are
// refused) filled past 80% of its max_bytes warns, past 95% fails.
func TestDoctorFindsAStreamNearItsLimit(t *testing.T) {
	const limit = 64 << 10
	tests := []struct {
		name string
		fill float64
		want doctor.Status
	}{
		{"under 80%", 0.5, doctor.OK},
		{"over 80%", 0.85, doctor.Warn},
		{"over 95%", 0.97, doctor.Fail},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newDoctorBench(t, func(s *config.Streams) { s.Events.MaxBytes = limit })
			fillStream(t, b.conn, fax.EventsStream, uint64(tt.fill*limit))
			edit := []string{"events:         {max_age: 2160h, max_bytes: 512MiB}", "events:         {max_age: 2160h, max_bytes: 64KiB}"}
			r, err := b.report(t, edit)
			c := r.check(t, "stream FAXPIPE_EVENTS")
			if c.Status != tt.want {
				t.Errorf("FAXPIPE_EVENTS filled to %.0f%%: %s %q, want %s", 100*tt.fill, c.Status, c.Detail, tt.want)
			}
			if failed := errors.Is(err, doctor.ErrFailed); failed != (tt.want == doctor.Fail) {
				t.Errorf("doctor: %v, want failed %v", err, tt.want == doctor.Fail)
			}
		})
	}
}

// fillStream publishes 1 KiB events to name until it holds at least n
// bytes.
func fillStream(t *testing.T, conn *stream.Conn, name string, n uint64) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := conn.JS.Stream(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("x"), 1<<10)
	for s.CachedInfo().State.Bytes < n {
		if _, err := conn.JS.Publish(ctx, "faxpipe.events.sfax.demo.fax.inbound.received", payload); err != nil {
			t.Fatalf("publish: %v", err)
		}
		if _, err := s.Info(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
