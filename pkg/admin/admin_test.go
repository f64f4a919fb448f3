package admin_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/faxpipe/faxpipe/pkg/admin"
)

func TestEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "faxpipe_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(3)
	srv := admin.New("127.0.0.1:0", reg)
	var brokerDown bool
	srv.AddCheck("ingress", func(context.Context) error { return nil })
	srv.AddCheck("nats", func(context.Context) error {
		if brokerDown {
			return errors.New("not connected to NATS")
		}
		return nil
	})
	h := srv.Handler()
	get := func(path string) (int, string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		b, _ := io.ReadAll(rec.Body)
		return rec.Code, string(b)
	}
	tests := []struct {
		name     string
		down     bool
		path     string
		want     int
		contains string
	}{
		{name: "healthz", path: "/healthz", want: 200, contains: `"ok"`},
		{name: "ready when every check passes", path: "/readyz", want: 200, contains: `"ready"`},
		{name: "unready names the failing check", down: true, path: "/readyz", want: 503, contains: `"failing":["nats"]`},
		{name: "healthz stays up while unready", down: true, path: "/healthz", want: 200, contains: `"ok"`},
		{name: "metrics", path: "/metrics", want: 200, contains: "faxpipe_test_total 3"},
		{name: "nothing else", path: "/callbacks/efax/demo", want: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			brokerDown = tc.down
			code, body := get(tc.path)
			if code != tc.want || !strings.Contains(body, tc.contains) {
				t.Errorf("GET %s = %d %q, want %d containing %q", tc.path, code, body, tc.want, tc.contains)
			}
		})
	}
}

func TestReadyzHidesErrorsAndLogsThemOnce(t *testing.T) {
	const secret = "nats://user:pass@10.0.0.5:4222 refused"
	core, logs := observer.New(zap.InfoLevel)
	srv := admin.New("127.0.0.1:0", prometheus.NewRegistry(), admin.WithLogger(zap.New(core)))
	now := time.Unix(1000, 0)
	admin.SetClock(srv, func() time.Time { return now })
	brokerErr := errors.New(secret)
	srv.AddCheck("processor", func(context.Context) error { return nil })
	srv.AddCheck("broker", func(context.Context) error { return brokerErr })
	h := srv.Handler()
	probe := func() {
		t.Helper()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		body := rec.Body.String()
		if rec.Code != 503 || strings.Contains(body, "10.0.0.5") || strings.Contains(body, "pass") ||
			strings.Contains(body, "refused") || !strings.Contains(body, `"failing":["broker"]`) {
			t.Fatalf("GET /readyz = %d %q, want 503 naming only the check broker", rec.Code, body)
		}
	}
	failures := func() []observer.LoggedEntry {
		return logs.FilterMessage("readiness check failing").All()
	}
	probe()
	if got := failures(); len(got) != 1 || got[0].ContextMap()["check"] != "broker" ||
		got[0].ContextMap()["error"] != secret {
		t.Fatalf("after the first probe logged %v, want one entry with check broker and the error", got)
	}
	for range 5 {
		now = now.Add(5 * time.Second)
		probe()
	}
	if n := len(failures()); n != 1 {
		t.Fatalf("repeated probes with the same error logged %d times, want 1", n)
	}
	brokerErr = errors.New("nats: timeout")
	probe()
	if n := len(failures()); n != 2 {
		t.Fatalf("a changed error logged %d entries in all, want 2", n)
	}
	now = now.Add(admin.LogEvery)
	probe()
	if n := len(failures()); n != 3 {
		t.Fatalf("the same error after LogEvery logged %d entries in all, want 3", n)
	}
	brokerErr = nil
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 200 || logs.FilterMessage("readiness check passes again").Len() != 1 {
		t.Fatalf("recovered: %d, logs %v, want 200 and one recovery entry", rec.Code, logs.All())
	}
}

func TestRunStopsWithContext(t *testing.T) {
	srv := admin.New("127.0.0.1:0", prometheus.NewRegistry())
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done, finished := make(chan error, 1), make(chan struct{})
	go func() { defer close(finished); done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-finished }) // Run never outlives the test, even a failed one
	resp, err := http.Get("http://" + srv.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v, want nil after cancel", err)
	}
}

func TestFlag(t *testing.T) {
	f := admin.NewFlag("the processor is not consuming yet")
	if err := f.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "not consuming yet") {
		t.Fatalf("unset flag: %v, want an error saying what is awaited", err)
	}
	f.Set()
	f.Set() // idempotent
	if err := f.Check(context.Background()); err != nil {
		t.Fatalf("set flag: %v, want nil", err)
	}
}

// TestMetricsToken: with a token, /metrics answers only the bearer of that
// token; the probes stay open.
func TestMetricsToken(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewCounter(prometheus.CounterOpts{Name: "faxpipe_test_total", Help: "test"}))
	h := admin.New("127.0.0.1:0", reg, admin.WithMetricsToken("s3cret-token")).Handler()
	get := func(path, auth string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	for _, auth := range []string{"", "Bearer wrong", "Bearer s3cret-tokenX", "s3cret-token", "Basic czNjcmV0LXRva2Vu"} {
		rec := get("/metrics", auth)
		if rec.Code != http.StatusUnauthorized || strings.Contains(rec.Body.String(), "faxpipe_test_total") {
			t.Errorf("/metrics with %q: %d %q, want 401 and no metrics", auth, rec.Code, rec.Body.String())
		}
	}
	if rec := get("/metrics", "Bearer s3cret-token"); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "faxpipe_test_total") {
		t.Errorf("/metrics with the token: %d, want 200 with the metrics", rec.Code)
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if rec := get(path, ""); rec.Code != http.StatusOK {
			t.Errorf("%s without a token: %d, want 200 (probes carry none)", path, rec.Code)
		}
	}
	open := admin.New("127.0.0.1:0", reg, admin.WithMetricsToken("")).Handler()
	rec := httptest.NewRecorder()
	open.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Errorf("/metrics with no token configured: %d, want 200", rec.Code)
	}
}
