package sim_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// mainConfig is a configuration with the test accounts.
func mainConfig() *config.Config {
	cfg := config.Default()
	cfg.Accounts = testAccounts("https://api.example.test")
	return &cfg
}

// runMain runs Main with args within a test deadline.
func runMain(t *testing.T, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	err := sim.Main(ctx, mainConfig(), provider.Sims, args, &stdout, &lockedWriter{w: io.Discard})
	return stdout.String(), err
}

// lockedWriter serializes writes: the logger writes from many goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// TestMainSendsAndSummarizes: `faxpipe sim -count 3` prints a summary
// naming each provider, and writes the JSON report.
func TestMainSendsAndSummarizes(t *testing.T) {
	in := newIngress(t, mainConfig().Accounts)
	report := filepath.Join(t.TempDir(), "report.json")
	out, err := runMain(t, "-target", in.srv.URL, "-count", "3", "-providers", "sfax,gofax,efax",
		"-api-listen", "127.0.0.1:0", "-linger", "0s", "-seed", "4", "-report", report)
	if err != nil {
		t.Fatalf("Main: %v\n%s", err, out)
	}
	for _, row := range []string{"sfax", "gofax", "efax", "total"} {
		if !regexp.MustCompile(`(?m)^\s*` + row + `\s+\d+`).MatchString(out) {
			t.Errorf("summary has no %s row:\n%s", row, out)
		}
	}
	if !regexp.MustCompile(`(?m)^\s*total(\s+\d+){4}\s+3\s+3\s+0\s+3\s`).MatchString(out) {
		t.Errorf("summary total row does not say 3 sent, 3 attempts, 0 retries, 3 acked:\n%s", out)
	}
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep sim.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	if len(rep.Faxes) != 3 || rep.Total.Acked != 3 || rep.Seed != 4 || len(in.envelopes()) != 3 {
		t.Errorf("report: %d faxes, %d acked, seed %d; ingress got %d", len(rep.Faxes), rep.Total.Acked, rep.Seed, len(in.envelopes()))
	} // Nothing fetches documents here: the summary says why they are not
	// fetched rather than leave a bare "missing" count.
	explained := strings.Contains(out, "expected documents were not fetched from this simulator's API")
	if n := rep.Total.Documents.Missing; n == 0 || !explained {
		t.Errorf("%d documents not fetched, explained: %v; want some, explained:\n%s", n, explained, out)
	}
}

// TestMainFailsWhenCallbacksAreGivenUp: the exit status tells a script
// that callbacks were lost, unless -allow-give-up.
func TestMainFailsWhenCallbacksAreGivenUp(t *testing.T) {
	tests := []struct {
		name    string
		extra   []string
		wantErr bool
	}{
		{name: "given up fails", wantErr: true},
		{name: "allowed", extra: []string{"-allow-give-up"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := newIngress(t, mainConfig().Accounts)
			in.answer = func(_ int, w http.ResponseWriter, _ fax.Provider) { w.WriteHeader(http.StatusInternalServerError) }
			args := append([]string{"-target", in.srv.URL, "-count", "2", "-api-listen", "", "-retry-scale", "0.0001", "-seed", "5"}, tt.extra...)
			out, err := runMain(t, args...)
			if got := errors.Is(err, sim.ErrGivenUp); got != tt.wantErr {
				t.Errorf("Main error %v, want ErrGivenUp: %v", err, tt.wantErr)
			}
			if !regexp.MustCompile(`2 callbacks never got their 200`).MatchString(out) {
				t.Errorf("summary does not list the given-up callbacks:\n%s", out)
			}
		})
	}
}

// TestMainRejectsBadFlags names the bad option.
func TestMainRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown provider", []string{"-providers", "fax4u"}, `unknown provider "fax4u"`},
		{"rate above one", []string{"-duplicates", "1.5"}, `duplicates 1.5`},
		{"lose rate above one", []string{"-lose-rate", "1.5"}, `lose rate 1.5`},
		{"negative lose rate", []string{"-lose-rate", "-0.1"}, `lose rate -0.1`},
		{"fault rates over one", []string{"-fault-error-rate", "0.6", "-fault-stall-rate", "0.6"}, `add up to`},
		{"bad format", []string{"-format", "gif"}, `format "gif"`},
		{"serve-only without an API", []string{"-serve-only"}, `-serve-only needs an -api-listen`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runMain(t, append([]string{"-api-listen", ""}, tt.args...)...)
			if err == nil || !regexp.MustCompile(regexp.QuoteMeta(tt.want)).MatchString(err.Error()) {
				t.Errorf("error %v, want one saying %s", err, tt.want)
			}
		})
	}
}

// TestMainServeOnly: -serve-only serves the document API until the
// context ends, then reports what it served.
func TestMainServeOnly(t *testing.T) {
	addr := streamtest.FreeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout bytes.Buffer
	done, finished := make(chan error, 1), make(chan struct{})
	go func() {
		defer close(finished)
		done <- sim.Main(ctx, mainConfig(), provider.Sims, []string{"-serve-only", "-api-listen", addr}, &stdout, &lockedWriter{w: io.Discard})
	}()
	t.Cleanup(func() { cancel(); <-finished }) // Main never outlives the test, even a failed one
	url := "http://" + addr + "/v1.0/ReceiveFax/4851543/Document?token=gofax-api-token-1"
	var resp *http.Response
	var err error
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err = http.DefaultClient.Do(req); err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("API not served: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("document answer %d, want 200", resp.StatusCode)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Main: %v", err)
	}
	if !regexp.MustCompile(`(?m)^\s*gofax\s+0\s+0\s+1\s`).MatchString(stdout.String()) {
		t.Errorf("summary does not count the document served:\n%s", stdout.String())
	}
}

// TestMainLoseRate: -lose-rate reaches the simulator, and the summary
// counts and names the lost callbacks.
func TestMainLoseRate(t *testing.T) {
	hooks := newWebhooks(t)
	cfg := config.Default()
	for _, id := range listAccounts {
		cfg.Accounts = append(cfg.Accounts, &listAccount{config.AccountBase{ID: id}})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout bytes.Buffer
	err := sim.Main(ctx, &cfg, []sim.Provider{&listProvider{lists: true}}, []string{"-target", hooks.srv.URL, "-count", "5",
		"-kinds", "fax-in", "-lose-rate", "1", "-api-listen", "", "-seed", "6"}, &stdout, &lockedWriter{w: io.Discard})
	out := stdout.String()
	if err != nil {
		t.Fatalf("Main: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`(?m)^\s*total(\s+\d+){13}\s+5\s*$`).MatchString(out) || !strings.Contains(out, "5 callbacks were lost, never sent") {
		t.Errorf("summary does not count 5 lost callbacks:\n%s", out)
	}
}
