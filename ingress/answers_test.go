package ingress_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestAnswerCodes covers every answer of the callback surface; none but the
// 200s may publish anything.
func TestAnswerCodes(t *testing.T) {
	h := newHarness(t, func(c *config.Ingress) { c.BodyLimit = 1024 })
	tests := []struct {
		name       string
		method     string
		path       string
		body       string
		chunked    bool
		want       int
		wantHeader map[string]string
		stored     bool
	}{
		{name: "sfax GET", method: "GET", path: "/callbacks/sfax/demo?faxid=1", want: 200, stored: true},
		{name: "gofax POST", method: "POST", path: "/callbacks/gofax/demo", body: "FaxID=1", want: 200, stored: true},
		{name: "efax POST", method: "POST", path: "/callbacks/efax/demo", body: "{}", want: 200, stored: true, wantHeader: map[string]string{"Content-Type": "application/json"}},
		{name: "unknown provider", method: "POST", path: "/callbacks/phaxio/demo", body: "{}", want: 404},
		{name: "unknown account", method: "POST", path: "/callbacks/efax/nobody", body: "{}", want: 404},
		{name: "account of another provider", method: "GET", path: "/callbacks/sfax/other", want: 404},
		{name: "missing account", method: "POST", path: "/callbacks/efax", want: 404},
		{name: "extra segment", method: "POST", path: "/callbacks/efax/demo/x", want: 404},
		{name: "other path", method: "GET", path: "/", want: 404},
		{name: "metrics are not public", method: "GET", path: "/metrics", want: 404},
		{name: "efax GET", method: "GET", path: "/callbacks/efax/demo", want: 405, wantHeader: map[string]string{"Allow": "POST"}},
		{name: "gofax PUT", method: "PUT", path: "/callbacks/gofax/demo", body: "x", want: 405, wantHeader: map[string]string{"Allow": "POST"}},
		{name: "sfax DELETE", method: "DELETE", path: "/callbacks/sfax/demo", want: 405, wantHeader: map[string]string{"Allow": "GET"}},
		// Sfax only GETs; a POST's body, stored byte-exact, could hold the API key in clear.
		{name: "sfax POST", method: "POST", path: "/callbacks/sfax/demo", body: "apikey=" + sfaxAPIKey, want: 405, wantHeader: map[string]string{"Allow": "GET"}},
		{name: "sfax GET with a body", method: "GET", path: "/callbacks/sfax/demo?faxid=1", body: "apikey=" + sfaxAPIKey, want: 400},
		{name: "over the body limit", method: "POST", path: "/callbacks/efax/demo", body: strings.Repeat("x", 1025), want: 413},
		{name: "over the body limit, chunked", method: "POST", path: "/callbacks/efax/demo", body: strings.Repeat("x", 4096), chunked: true, want: 413},
		{name: "exactly the body limit", method: "POST", path: "/callbacks/efax/demo", body: strings.Repeat("x", 1024), want: 200, stored: true},
	}
	stored := 0
	var notFound []string // every 404's body: one and the same
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, tc.method, h.base+tc.path, tc.body)
			if tc.chunked {
				req.Body = io.NopCloser(strings.NewReader(tc.body)) // hides the length: sent chunked
				req.ContentLength = -1
			}
			resp, body := do(t, req)
			if resp.StatusCode != tc.want {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tc.want)
			}
			for k, v := range tc.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if tc.stored {
				stored++
			}
			if tc.want == 404 {
				var answer struct{ Error string }
				if err := json.Unmarshal([]byte(body), &answer); err != nil || answer.Error == "" {
					t.Fatalf("404 body %q: %v", body, err)
				}
				notFound = append(notFound, answer.Error)
				if notFound[0] != answer.Error {
					t.Errorf("404 says %q, another %q: it tells which part of the URL is unknown", answer.Error, notFound[0])
				}
			}
			if got := len(h.envelopes()); got != stored {
				t.Errorf("stream holds %d envelopes, want %d", got, stored)
			}
		})
	}
}

func TestRateLimits(t *testing.T) {
	tests := []struct {
		name  string
		limit config.RateLimit
		paths []string // sent in order
		want  []int
	}{
		{
			name:  "per account",
			limit: config.RateLimit{AccountRPS: 0.01, AccountBurst: 2},
			paths: []string{"demo", "demo", "demo", "other"},
			want:  []int{200, 200, 429, 200},
		},
		{
			name:  "per client across accounts",
			limit: config.RateLimit{ClientRPS: 0.01, ClientBurst: 2},
			paths: []string{"demo", "other", "demo"},
			want:  []int{200, 200, 429},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *config.Ingress) { c.RateLimit = tc.limit })
			for i, acct := range tc.paths {
				resp, _ := do(t, newRequest(t, "POST", h.base+"/callbacks/efax/"+acct, "{}"))
				if resp.StatusCode != tc.want[i] {
					t.Fatalf("request %d to %s: status %d, want %d", i, acct, resp.StatusCode, tc.want[i])
				}
				if resp.StatusCode == 429 && resp.Header.Get("Retry-After") == "" {
					t.Errorf("429 without Retry-After")
				}
			}
		})
	}
}

// TestBrokerDownThen503ThenRecovery stops the broker: callbacks get 503
// with Retry-After, never 200, and 200 again once it is back.
func TestBrokerDownThen503ThenRecovery(t *testing.T) {
	h := newHarness(t, nil)
	post := func() *http.Response {
		resp, _ := do(t, newRequest(t, "POST", h.base+"/callbacks/efax/demo", `{"n":1}`))
		return resp
	}
	if got := post().StatusCode; got != 200 {
		t.Fatalf("before: status %d, want 200", got)
	}
	h.nats.Stop()
	for range 5 {
		resp := post()
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("broker down: status %d, want 503", resp.StatusCode)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
	}
	h.nats.Restart()
	waitFor200(t, post)
	if got := len(h.envelopes()); got != 2 {
		t.Errorf("stored %d envelopes, want 2 (one before, one after; none while down)", got)
	}
}

// TestStreamMissingThen503ThenRecovery deletes FAXPIPE_RAW: callbacks get
// 503 until the topology is ensured again.
func TestStreamMissingThen503ThenRecovery(t *testing.T) {
	h := newHarness(t, nil)
	ctx := context.Background()
	if err := h.conn.JS.DeleteStream(ctx, fax.RawStream); err != nil {
		t.Fatal(err)
	}
	post := func() *http.Response {
		resp, _ := do(t, newRequest(t, "GET", h.base+"/callbacks/sfax/demo?faxid=1", ""))
		return resp
	}
	for range 3 {
		resp := post()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("stream missing: status %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if err := stream.NewTopology(config.Default().Streams).Ensure(ctx, h.conn.JS); err != nil {
		t.Fatal(err)
	}
	waitFor200(t, post)
	if got := len(h.envelopes()); got != 1 {
		t.Errorf("stored %d envelopes, want 1", got)
	}
}

func waitFor200(t *testing.T, send func() *http.Response) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp := send()
		switch {
		case resp.StatusCode == 200:
			return
		case resp.StatusCode != 503:
			t.Fatalf("recovering: status %d, want 503 until 200", resp.StatusCode)
		case time.Now().After(deadline):
			t.Fatal("no 200 within 15s of the broker's return")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// slowPublisher acknowledges after delay (or once release, if set, is
// closed), or fails when ctx ends first; publishing, if set, is sent to
// (without blocking) as each publish begins.
type slowPublisher struct {
	delay      time.Duration
	acked      atomic.Int64
	publishing chan struct{}
	release    chan struct{}
}

func (p *slowPublisher) Publish(ctx context.Context, _ *nats.Msg) (uint64, error) {
	if p.publishing != nil {
		select {
		case p.publishing <- struct{}{}:
		default:
		}
	}
	select {
	case <-time.After(p.delay):
		return uint64(p.acked.Add(1)), nil
	case <-p.release: // a nil channel: never
		return uint64(p.acked.Add(1)), nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

// TestSlowBrokerAnswers503: a broker that takes the raw message and never
// acknowledges it gets the callback a 503 within the publish timeout, as
// the services' connections are set up (stream.PublishLimitsOf).
func TestSlowBrokerAnswers503(t *testing.T) {
	cfg := testIngressConfig()
	cfg.PublishTimeout = 100 * time.Millisecond
	ns := streamtest.Start(t)
	nc, err := nats.Connect(ns.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	// Someone takes the raw subjects (so no "no responders"), and no
	// stream: no acknowledgement ever comes.
	sub, err := nc.Subscribe(fax.StreamSubjects[fax.RawStream], func(*nats.Msg) {})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	conn := &stream.Conn{NC: nc, Limits: stream.PublishLimits{MaxPending: 16, Timeout: cfg.PublishTimeout}}
	base, _, _ := startIngress(t, cfg, stream.NewPublisher(conn, fax.RawStream))
	start := time.Now()
	resp, _ := do(t, newRequest(t, "POST", base+"/callbacks/efax/demo", "{}"))
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") != "5" {
		t.Fatalf("status %d Retry-After %q, want 503 with Retry-After 5", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	if waited := time.Since(start); waited > 2*time.Second {
		t.Errorf("answered after %v: the publish timeout of %v was not applied", waited, cfg.PublishTimeout)
	}
}

// TestGracefulShutdownFinishesInFlight stops the ingress while a callback
// waits for its ack: that callback still gets its 200, and new connections
// are refused.
func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	pub := &slowPublisher{delay: time.Minute, publishing: make(chan struct{}, 1), release: make(chan struct{})}
	base, _, stop := startIngress(t, testIngressConfig(), pub)
	answered := make(chan int, 1)
	go func() {
		resp, err := http.Post(base+"/callbacks/efax/demo", "application/json", strings.NewReader("{}"))
		if err != nil {
			answered <- -1
			return
		}
		_ = resp.Body.Close()
		answered <- resp.StatusCode
	}()
	select { // wait until the request is waiting for its ack, however long that takes
	case <-pub.publishing:
	case got := <-answered:
		t.Fatalf("callback answered %d before its publish began", got)
	}
	// The ack comes only once the ingress is shutting down (its listener
	// closed), so the callback is in flight through the shutdown.
	released := make(chan bool, 1)
	go func() {
		defer close(pub.release)
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
			if err != nil {
				released <- true
				return
			}
			_ = conn.Close()
		}
		released <- false
	}()
	stop()
	if !<-released {
		t.Error("the ingress still accepted connections 10s into its shutdown")
	}
	if got := <-answered; got != 200 {
		t.Fatalf("in-flight callback answered %d, want 200", got)
	}
	if pub.acked.Load() != 1 {
		t.Errorf("acked %d publishes, want 1", pub.acked.Load())
	}
	_, err := http.Post(base+"/callbacks/efax/demo", "application/json", strings.NewReader("{}"))
	if err == nil || !isConnRefused(err) {
		t.Errorf("after shutdown: err = %v, want connection refused", err)
	}
}

func isConnRefused(err error) bool {
	var e interface{ Timeout() bool }
	return errors.As(err, &e) && strings.Contains(err.Error(), "refused")
}

// TestEnvelopeOverBrokerLimitIs413: a body under the ingress's limit whose
// envelope exceeds the broker's max_payload can never be stored; retrying
// cannot help, so it is a 413, not a 503, and nothing is stored.
func TestEnvelopeOverBrokerLimitIs413(t *testing.T) {
	h := newHarness(t, func(c *config.Ingress) { c.BodyLimit = 16 << 20 })
	resp, body := do(t, newRequest(t, "POST", h.base+"/callbacks/efax/demo", strings.Repeat("x", 7<<20)))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d (%s), want 413", resp.StatusCode, body)
	}
	if got := len(h.envelopes()); got != 0 {
		t.Errorf("stored %d envelopes, want 0", got)
	}
}
