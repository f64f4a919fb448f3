package ingress_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/faxpipe/faxpipe/ingress"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tracing"
	"github.com/faxpipe/faxpipe/schemas"
)

// Demo credentials of the test accounts; none may appear in a stored envelope.
const (
	sfaxAPIKey    = "5787A4EDBCDE46F9D6D2E067AC7097DC"
	gofaxUser     = "gofax"
	gofaxPassword = "s3cret-gofax-password"
	gofaxURLParam = "secret"
	gofaxURLValue = "s3cret-url-value-42"
	pipelineKey   = "test-pipeline-key-0123456789abcdef"
)

func testDigester(t testing.TB) *fax.Digester {
	d, err := fax.NewDigester("k1", []byte(pipelineKey))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Credentials of the "signed" accounts, which verify their callbacks.
const (
	sfaxUser      = "demo"
	sfaxKey       = "0123456789abcdef0123456789abcdef"
	sfaxIV        = "fedcba9876543210"
	efaxHMACKey   = "s3cret-efax-hmac"
	signedAccount = "signed"
)

// testProviderAccounts are the test accounts: "demo" (and eFax's "other")
// with verification off, so that any request shaped like a callback is
// stored, and "signed" of each provider, which verifies.
func testProviderAccounts() config.Accounts {
	off := false
	base := func(id string, verify *bool) config.AccountBase {
		return config.AccountBase{ID: id, Verify: verify, APIBaseURL: "https://api.example.test"}
	}
	urlSecret := gofax.URLSecret{Param: gofaxURLParam, Value: config.Literal(gofaxURLValue)}
	return config.Accounts{
		&sfax.Account{AccountBase: base("demo", &off)},
		&gofax.Account{AccountBase: base("demo", &off), URLSecret: urlSecret},
		&efax.Account{AccountBase: base("demo", &off)},
		&efax.Account{AccountBase: base("other", &off)},
		&sfax.Account{AccountBase: base(signedAccount, nil), Username: sfaxUser, APIKey: config.Literal(sfaxAPIKey),
			EncryptionKey: config.Literal(sfaxKey), InitVector: config.Literal(sfaxIV), TokenWindow: 15 * time.Minute},
		&gofax.Account{AccountBase: base(signedAccount, nil), URLSecret: urlSecret,
			BasicAuth: gofax.BasicAuth{Username: gofaxUser, Password: config.Literal(gofaxPassword)}},
		&efax.Account{AccountBase: base(signedAccount, nil), HMACSecret: config.Literal(efaxHMACKey)},
	}
}

func testAccounts() []config.Account { return testProviderAccounts().All() }

// testVerifier is the providers' verifier of the test accounts.
func testVerifier(t testing.TB) fax.Verifier {
	t.Helper()
	v, err := provider.NewVerifier(testProviderAccounts(), testDigester(t))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func testIngressConfig() config.Ingress {
	c := config.Default().Ingress
	c.Listen = "127.0.0.1:0"
	c.RateLimit = config.RateLimit{} // off unless a test turns it on
	c.PublishTimeout = time.Second
	c.ShutdownTimeout = 5 * time.Second
	return c
}

// harness is an ingress on a loopback port publishing to an in-process
// JetStream server.
type harness struct {
	t    *testing.T
	nats *streamtest.Server
	conn *stream.Conn
	base string
	logs *observer.ObservedLogs
	reg  *prometheus.Registry
	stop func()
}

func newHarness(t *testing.T, mutate func(*config.Ingress)) *harness {
	t.Helper()
	return newTracedHarness(t, mutate, nil)
}

// newTracedHarness is newHarness with the ingress tracing with tracer
// (nil: off).
func newTracedHarness(t *testing.T, mutate func(*config.Ingress), tracer *tracing.Tracer) *harness {
	t.Helper()
	ns := streamtest.Start(t)
	cfg := testIngressConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	h := &harness{t: t, nats: ns, conn: conn}
	core, logs := observer.New(zap.DebugLevel)
	h.reg = prometheus.NewRegistry()
	h.logs = logs
	h.base, h.stop = runIngress(t, cfg, ingress.Deps{
		Publisher: stream.NewPublisher(conn, fax.RawStream),
		Forged:    stream.NewPublisher(conn, fax.ForgedStream),
		Log:       zap.New(core),
		Registry:  h.reg,
		Tracer:    tracer,
	})
	return h
}

// startIngress runs an ingress publishing raw envelopes and forged records
// with pub until the test ends and returns its base URL, its logs, and a
// function that stops it gracefully and waits.
func startIngress(t testing.TB, cfg config.Ingress, pub ingress.Publisher) (string, *observer.ObservedLogs, func()) {
	t.Helper()
	core, logs := observer.New(zap.DebugLevel)
	base, stop := startIngressLogging(t, cfg, pub, zap.New(core))
	return base, logs, stop
}

func startIngressLogging(t testing.TB, cfg config.Ingress, pub ingress.Publisher, log *zap.Logger) (string, func()) {
	t.Helper()
	return runIngress(t, cfg, ingress.Deps{Publisher: pub, Forged: pub, Log: log, Registry: prometheus.NewRegistry()})
}

// runIngress runs an ingress of the test accounts with deps (its
// publishers, log and registry; the rest is filled in here).
func runIngress(t testing.TB, cfg config.Ingress, deps ingress.Deps) (string, func()) {
	t.Helper()
	deps.Accounts, deps.Callbacks = testAccounts(), provider.Callbacks
	deps.Verifier, deps.Digester = testVerifier(t), testDigester(t)
	srv, err := ingress.New(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("ingress Run: %v", err)
		}
	}
	t.Cleanup(stop)
	return "http://" + srv.Addr().String(), stop
}

// do sends a request and returns the answer with its body read.
func do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

func newRequest(t testing.TB, method, url, body string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// envelopes reads every envelope stored in FAXPIPE_RAW.
func (h *harness) envelopes() []fax.Envelope {
	h.t.Helper()
	var out []fax.Envelope
	for _, m := range streamtest.Messages(h.t, h.conn.JS, fax.RawStream) {
		if err := schemas.Validate("raw-callback.v1.json", m.Data); err != nil {
			h.t.Errorf("stored message %d: %v\n%s", m.Sequence, err, m.Data)
		}
		var e fax.Envelope
		if err := json.Unmarshal(m.Data, &e); err != nil {
			h.t.Fatalf("stored message %d is not an envelope: %v", m.Sequence, err)
		}
		// A callback's raw message carries no header the broker acts on
		// (ingress.Server.publish): at most the trace's.
		for k := range m.Header {
			if k != "traceparent" && k != "tracestate" {
				h.t.Errorf("stored message %d has a %s header, want none but the trace's", m.Sequence, k)
			}
		}
		if got, want := m.Subject, e.Subject(); got != want {
			h.t.Errorf("subject = %q, want %q", got, want)
		}
		out = append(out, e)
	}
	return out
}

// rawStreamBytes is every stored message concatenated, for secret scans.
func (h *harness) rawStreamBytes() string {
	var b strings.Builder
	for _, m := range streamtest.Messages(h.t, h.conn.JS, fax.RawStream) {
		b.Write(m.Data)
		for k, vs := range m.Header {
			b.WriteString(k + strings.Join(vs, ""))
		}
	}
	return b.String()
}

// addr is the harness's host:port.
func (h *harness) addr() string { return strings.TrimPrefix(h.base, "http://") }

// dial opens a raw connection to the ingress that the test closes.
func (h *harness) dial() net.Conn {
	h.t.Helper()
	conn, err := net.DialTimeout("tcp", h.addr(), 5*time.Second)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = conn.Close() })
	return conn
}

// exchange writes payload on a new connection and reads one answer: its
// status, or 0 when the server closed the connection without one. The
// reader is left after the answer.
func (h *harness) exchange(payload string) (int, *bufio.Reader) {
	h.t.Helper()
	conn := h.dial()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, payload); err != nil && !isClosed(err) {
		h.t.Fatalf("writing: %v", err)
	}
	br := bufio.NewReader(conn)
	status, err := readAnswer(br)
	if err != nil {
		h.t.Fatal(err)
	}
	return status, br
}

// closedAfter reports whether the server closed the connection after its
// answer rather than read another request from it; it fails t if the
// server did neither before the connection's deadline.
func closedAfter(t testing.TB, br *bufio.Reader) bool {
	t.Helper()
	_, err := br.Peek(1)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection neither closed nor answering again: %v", err)
	}
	return err != nil
}

// readAnswer reads one answer from r: its status, or 0 when the server
// closed the connection; an error when neither happened before the
// connection's deadline.
func readAnswer(r *bufio.Reader) (int, error) {
	resp, err := http.ReadResponse(r, nil)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return 0, fmt.Errorf("no answer and no close before the deadline: %w", err)
	case err != nil:
		return 0, nil
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// isClosed reports whether err is the peer closing or resetting the
// connection.
func isClosed(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// post is a raw HTTP/1.1 POST of path with the given header lines (each
// ending in CRLF) and body, framed only as those headers say.
func post(path string, header string, body string) string {
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: ingress.test\r\n%s\r\n%s", path, header, body)
}
