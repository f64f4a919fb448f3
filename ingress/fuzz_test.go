package ingress_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/ingress"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/schemas"
)

// fuzzBodyLimit is small so that fuzzed bodies reach the 413.
const fuzzBodyLimit = 4096

// errBrokerDown is what the fuzz publisher answers when told the broker is
// down.
var errBrokerDown = errors.New("broker down")

// FuzzCallback drives the ingress's whole Echo stack in process with
// requests parsed by net/http from a fuzzed method, request target
// (path?query), header block and body, against a publisher that is up or
// down. Whatever the input: no panic and no 5xx but a 503 from the broker
// (or an unreadable body); a 200 means exactly one envelope was published,
// schema-valid and byte-exact; any other answer publishes no envelope, and a
// path that is not an unverified account's never gets a 200 (the verifying
// "signed" accounts' never do: the fuzzer holds none of their secrets); a
// 401 comes only from a verifying account and publishes at most one forged
// record, which holds nothing of the request's body or query.
func FuzzCallback(f *testing.F) {
	fz := newFuzzIngress(f)
	f.Fuzz(func(t *testing.T, method, target, header string, body []byte, brokerDown bool) {
		req, ok := parseFuzzRequest(method, target, header, body)
		if !ok {
			t.Skip("net/http refuses this request before the ingress sees it")
		}
		sent, bodyErr := readFuzzBody(req)
		asSent := req.Clone(req.Context()) // the ingress digests the secrets of req in place
		calls, forged, rec := fz.serve(req, brokerDown)
		req.Header = asSent.Header
		checkFuzzAnswer(t, fz.digester, req, sent, bodyErr, calls, rec)
		checkFuzzForged(t, req, sent, forged, rec)
	})
}

// fuzzIngress is one ingress serving fuzzed requests in process, one at a
// time (as the fuzzing engine calls its function), with the publishes of
// the request being served.
type fuzzIngress struct {
	handler  http.Handler
	pub      *recordingPublisher
	forged   *recordingPublisher
	digester *fax.Digester
}

func newFuzzIngress(t testing.TB) *fuzzIngress {
	cfg := testIngressConfig()
	cfg.BodyLimit = fuzzBodyLimit
	fz := &fuzzIngress{pub: &recordingPublisher{}, forged: &recordingPublisher{}, digester: testDigester(t)}
	srv, err := ingress.New(cfg, ingress.Deps{
		Publisher: fz.pub, Forged: fz.forged, Accounts: testAccounts(), Callbacks: provider.Callbacks,
		Verifier: testVerifier(t), Digester: fz.digester, Log: zap.NewNop(), Registry: prometheus.NewRegistry(),
	})
	if err != nil {
		t.Fatal(err)
	}
	fz.handler = srv.Handler()
	return fz
}

// serve answers req and returns the publishes it made: raw envelopes and
// forged records.
func (fz *fuzzIngress) serve(req *http.Request, brokerDown bool) ([]publishCall, []publishCall, *httptest.ResponseRecorder) {
	*fz.pub = recordingPublisher{down: brokerDown}
	*fz.forged = recordingPublisher{down: brokerDown}
	rec := httptest.NewRecorder()
	fz.handler.ServeHTTP(rec, req)
	return fz.pub.calls, fz.forged.calls, rec
}

// publishCall is one Publish the ingress made.
type publishCall struct {
	subject, msgID string
	data           []byte
	err            error
}

// recordingPublisher records every publish; it fails them while down. The
// handler publishes on the goroutine serving the request.
type recordingPublisher struct {
	down  bool
	calls []publishCall
}

func (p *recordingPublisher) Publish(_ context.Context, msg *nats.Msg) (uint64, error) {
	c := publishCall{subject: msg.Subject, msgID: msg.Header.Get(jetstream.MsgIDHeader), data: bytes.Clone(msg.Data)}
	if p.down {
		c.err = errBrokerDown
	}
	p.calls = append(p.calls, c)
	return uint64(len(p.calls)), c.err
}

// parseFuzzRequest builds the raw HTTP/1.1 request and parses it as the
// server does. The header block is one "Name: value" per line; a
// Content-Length of the body is added unless the block sets the length or
// a transfer coding itself. It reports false for what the server refuses
// or answers itself (a second Host, "OPTIONS *").
func parseFuzzRequest(method, target, header string, body []byte) (*http.Request, bool) {
	var b bytes.Buffer
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: ingress.test\r\n")
	for line := range strings.SplitSeq(header, "\n") {
		line = strings.TrimSuffix(line, "\r")
		if name, _, _ := strings.Cut(line, ":"); strings.EqualFold(strings.TrimSpace(name), "host") {
			return nil, false
		}
		if line != "" {
			b.WriteString(line + "\r\n")
		}
	}
	if lower := strings.ToLower(header); !strings.Contains(lower, "content-length") && !strings.Contains(lower, "transfer-encoding") {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	req, err := http.ReadRequest(bufio.NewReader(&b))
	if err != nil || req.RequestURI == "*" {
		return nil, false
	}
	req.RemoteAddr = "203.0.113.9:40000"
	return req, true
}

// readFuzzBody reads the request body as the server would deliver it and
// puts back a body that yields the same bytes, then the same error.
func readFuzzBody(req *http.Request) ([]byte, error) {
	sent, err := io.ReadAll(req.Body)
	var rest io.Reader = bytes.NewReader(sent)
	if err != nil {
		rest = io.MultiReader(rest, iotest.ErrReader(err))
	}
	req.Body = io.NopCloser(rest)
	return sent, err
}

// configuredPaths are the callback paths of the testAccounts that do not
// verify: the only ones a fuzzed request may get a 200 from.
var configuredPaths = map[string]bool{
	"/callbacks/sfax/demo": true, "/callbacks/gofax/demo": true,
	"/callbacks/efax/demo": true, "/callbacks/efax/other": true,
}

// checkFuzzAnswer holds the ingress's answer to one request to the
// invariants of FuzzCallback.
func checkFuzzAnswer(t *testing.T, d *fax.Digester, req *http.Request, sent []byte, bodyErr error, calls []publishCall, rec *httptest.ResponseRecorder) {
	t.Helper()
	stored := 0
	for _, c := range calls {
		if c.err == nil {
			stored++
		}
	}
	switch code := rec.Code; code {
	case http.StatusOK:
		if stored != 1 || len(calls) != 1 {
			t.Fatalf("200 after %d publishes (%d stored), want exactly one", len(calls), stored)
		}
		checkFuzzEnvelope(t, d, req, sent, calls[0], rec)
	case http.StatusServiceUnavailable:
		if stored != 0 || (bodyErr == nil && len(calls) == 0) {
			t.Fatalf("503 with %d publishes stored, %d tried, body error %v: want a failed publish or an unreadable body", stored, len(calls), bodyErr)
		}
		if rec.Header().Get("Retry-After") == "" {
			t.Fatal("503 without Retry-After")
		}
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusUnauthorized:
		if len(calls) != 0 {
			t.Fatalf("%d answered after %d publishes, want none", code, len(calls))
		}
	case http.StatusBadRequest:
		if len(calls) != 0 || !strings.HasPrefix(req.URL.Path, "/callbacks/sfax/") || len(sent) == 0 {
			t.Fatalf("400 after %d publishes for %q with a %d-byte body: only an Sfax callback with a body gets one, unpublished", len(calls), req.URL.Path, len(sent))
		}
	default:
		t.Fatalf("status %d (%s): not an answer the ingress gives", code, rec.Body.String())
	}
	if rec.Code == http.StatusOK && !configuredPaths[req.URL.Path] {
		t.Fatalf("200 for %q, which is no configured account's path", req.URL.Path)
	}
	if rec.Code == http.StatusOK && strings.HasPrefix(req.URL.Path, "/callbacks/sfax/") && len(sent) > 0 {
		t.Fatal("200 for an Sfax callback with a body, which could carry the API key in clear")
	}
	if len(sent) > fuzzBodyLimit && rec.Code != http.StatusRequestEntityTooLarge && rec.Code != http.StatusNotFound && rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("a %d-byte body got %d, want 413", len(sent), rec.Code)
	}
}

// checkFuzzForged: a 401 is for a verifying account's path only and
// publishes at most one forged record (the record budget may be spent),
// schema-valid, on that account's subject, holding nothing of the body or
// query; any other answer publishes none.
func checkFuzzForged(t *testing.T, req *http.Request, sent []byte, forged []publishCall, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code != http.StatusUnauthorized {
		if len(forged) != 0 {
			t.Fatalf("%d answered after %d forged records, want none", rec.Code, len(forged))
		}
		return
	}
	_, account, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/callbacks/"), "/")
	if account != signedAccount || len(forged) > 1 {
		t.Fatalf("401 for %q after %d forged records: only a verifying account's callback is refused, with one record", req.URL.Path, len(forged))
	}
	for _, c := range forged {
		if err := schemas.Validate("forged.v1.json", c.data); err != nil {
			t.Fatalf("forged record: %v\n%s", err, c.data)
		}
		var f fax.Forged
		if err := json.Unmarshal(c.data, &f); err != nil || c.subject != f.Subject() || f.BodySize != len(sent) {
			t.Fatalf("forged record on %s: %s (%v)", c.subject, c.data, err)
		}
		if q := req.URL.RawQuery; len(q) > 8 && bytes.Contains(c.data, []byte(q)) {
			t.Fatalf("forged record %s holds the query %q", c.data, q)
		}
	}
}

// checkFuzzEnvelope checks the one published envelope of a 200: subject,
// id, schema, and every field as received, secrets digested.
func checkFuzzEnvelope(t *testing.T, d *fax.Digester, req *http.Request, sent []byte, c publishCall, rec *httptest.ResponseRecorder) {
	t.Helper()
	if err := schemas.Validate("raw-callback.v1.json", c.data); err != nil {
		t.Fatalf("published envelope is not schema-valid: %v\n%s", err, c.data)
	}
	var wire struct {
		Body string `json:"body"`
	}
	var env fax.Envelope
	if err := json.Unmarshal(c.data, &wire); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(c.data, &env); err != nil {
		t.Fatal(err)
	}
	if got, err := base64.StdEncoding.DecodeString(wire.Body); err != nil || !bytes.Equal(got, sent) {
		t.Fatalf("body as published = %q (%v), want the %d bytes sent %q", got, err, len(sent), sent)
	}
	if got, want := "/callbacks/"+string(env.Provider)+"/"+env.Account, req.URL.Path; got != want || c.subject != env.Subject() {
		t.Fatalf("envelope of %s on %s, want the path %s", got, c.subject, want)
	}
	if c.msgID != "" || env.ID != rec.Header().Get("X-Request-Id") {
		t.Fatalf("msg id %q, envelope id %q, X-Request-Id %q: want no msg id and one id", c.msgID, env.ID, rec.Header().Get("X-Request-Id"))
	}
	if env.Method != req.Method || env.Path != req.URL.EscapedPath() || env.RemoteAddr != req.RemoteAddr {
		t.Fatalf("method, path, remote = %q %q %q, want %q %q %q", env.Method, env.Path, env.RemoteAddr, req.Method, req.URL.EscapedPath(), req.RemoteAddr)
	}
	checkFuzzQuery(t, d, env, req.URL.RawQuery)
	checkFuzzHeaders(t, d, env.Headers, req)
	if env.Provider == fax.EFax && rec.Body.String() != `{"status":"SUCCESS"}` {
		t.Fatalf("eFax answer %q", rec.Body.String())
	}
}

// secretParams are the query parameters stored only as digests, per
// provider, for testAccounts.
var secretParams = map[fax.Provider][]string{fax.Sfax: {"apikey"}, fax.GoFax: {gofaxURLParam}}

// checkFuzzQuery: the stored query is the sent one byte for byte (as a
// JSON string carries it: see asJSON), but for the value of each secret
// parameter, which is its digest.
func checkFuzzQuery(t *testing.T, d *fax.Digester, env fax.Envelope, sent string) {
	t.Helper()
	got, want := strings.Split(env.Query, "&"), strings.Split(sent, "&")
	if len(got) != len(want) {
		t.Fatalf("stored query %q, sent %q", env.Query, sent)
	}
	for i := range want {
		k, v, _ := strings.Cut(want[i], "=")
		name, err := url.QueryUnescape(k)
		if err != nil || !containsFold(secretParams[env.Provider], name) {
			if got[i] != asJSON(want[i]) {
				t.Fatalf("query part %d stored %q, sent %q", i, got[i], want[i])
			}
			continue
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		if gk, gv, _ := strings.Cut(got[i], "="); gk != asJSON(k) || !d.Matches(gv, v) {
			t.Fatalf("secret parameter %q stored as %q, want its digest", name, got[i])
		}
	}
}

// checkFuzzHeaders: every header sent is stored under its canonical name,
// credentials as digests only, and Host as the request's host.
func checkFuzzHeaders(t *testing.T, d *fax.Digester, stored map[string][]string, req *http.Request) {
	t.Helper()
	for k, vs := range req.Header {
		got := stored[http.CanonicalHeaderKey(k)]
		if len(got) != len(vs) {
			t.Fatalf("header %s stored %q, sent %q", k, got, vs)
		}
		for i, v := range vs {
			secret := containsFold(fax.SecretHeaders, k)
			if (secret && !d.Matches(got[i], v)) || (!secret && got[i] != asJSON(v)) {
				t.Fatalf("header %s value %d stored %q, sent %q (secret %v)", k, i, got[i], v, secret)
			}
		}
	}
	if h := stored["Host"]; len(h) != 1 || h[0] != req.Host {
		t.Fatalf("Host stored %q, want %q", h, req.Host)
	}
}

// asJSON is s as a JSON string carries it: each byte that is not valid
// UTF-8 becomes U+FFFD. Header values and a raw (not percent-encoded)
// query string can hold such bytes; the envelope's body, in base64, is the
// only field kept byte-exact whatever its bytes.
func asJSON(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

func containsFold(list []string, s string) bool {
	return slices.ContainsFunc(list, func(x string) bool { return strings.EqualFold(x, s) })
}
