package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx/telnyxsim"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/schemas"
)

const exampleConfig = "deploy/config/faxpipe.example.yaml"

// instance is `faxpipe all` started through run, on free loopback ports.
type instance struct {
	ingress, admin, nats string
	// providerAPI is where the example configuration's providers' APIs
	// (127.0.0.1:9601) were moved to (exampleAwayFromSim), if they were.
	providerAPI string
	stderr      *syncBuffer
	stop        func() error
}

func startAll(t *testing.T, env map[string]string) *instance {
	t.Helper()
	in := &instance{stderr: &syncBuffer{}}
	ports := freePorts(t, 3)
	in.ingress = "http://127.0.0.1:" + ports[0]
	in.admin = "http://127.0.0.1:" + ports[1]
	// As the example configuration's admin: its embedded server requires
	// authentication.
	in.nats = "nats://faxpipe:demo-nats-admin-password@127.0.0.1:" + ports[2]
	vars := map[string]string{
		"FAXPIPE_INGRESS_LISTEN":         "127.0.0.1:" + ports[0],
		"FAXPIPE_ADMIN_LISTEN":           "127.0.0.1:" + ports[1],
		"FAXPIPE_NATS_EMBEDDED_PORT":     ports[2],
		"FAXPIPE_NATS_EMBEDDED_DATA_DIR": t.TempDir(),
		"FAXPIPE_LOG_FORMAT":             "json",
	}
	configPath := exampleConfig
	if _, ok := env["CONFIG"]; !ok {
		configPath, in.providerAPI = exampleAwayFromSim(t)
	}
	for k, v := range env {
		if k == "CONFIG" {
			configPath = v
			continue
		}
		vars[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-config", configPath, "all"}, func(k string) string { return vars[k] }, io.Discard, in.stderr)
	}()
	var once sync.Once
	var runErr error
	in.stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { _ = in.stop() })
	waitReady(t, in, done)
	return in
}

// exampleAwayFromSim is the example configuration with its providers' APIs
// moved from 127.0.0.1:9601, where a simulator of `make demo` or `faxpipe
// sim` may be running on the same machine (its listings would feed faxes
// into the test's pipeline), to a port nothing listens on. It returns
// the configuration's path and the APIs' new host and port.
func exampleAwayFromSim(t *testing.T) (string, string) {
	t.Helper()
	example, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	path, api := filepath.Join(t.TempDir(), "faxpipe.yaml"), "127.0.0.1:"+freePorts(t, 1)[0]
	if err := os.WriteFile(path, bytes.ReplaceAll(example, []byte("127.0.0.1:9601"), []byte(api)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, api
}

func waitReady(t *testing.T, in *instance, done chan error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("run returned before ready: %v\n%s", err, in.stderr)
		default:
		}
		if resp, err := http.Get(in.admin + "/readyz"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not ready within 30s\n%s", in.stderr)
}

// TestRunAllServesEveryProvider: `faxpipe all` answers a genuine callback
// of each provider 200 and stores it, and refuses (401) a forged one of
// each — the same callback with the wrong credentials — storing only a
// record of it in FAXPIPE_FORGED.
func TestRunAllServesEveryProvider(t *testing.T) {
	in := startAll(t, nil)
	for _, forged := range []bool{false, true} {
		for _, c := range demoCallbacks(t, in.ingress, forged) {
			status, body := get(t, c.req)
			want, wantBody := 200, c.wantBody
			if forged {
				want, wantBody = 401, ""
			}
			if status != want || (!forged && body != wantBody) {
				t.Errorf("%s (forged %v): %d %q, want %d %q", c.name, forged, status, body, want, wantBody)
			}
		}
	}

	nc, err := nats.Connect(in.nats)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"FAXPIPE_RAW", "FAXPIPE_EVENTS", "FAXPIPE_DOCUMENTS", "FAXPIPE_REJECTED", "FAXPIPE_FORGED"} {
		st, err := js.Stream(context.Background(), name)
		if err != nil {
			t.Fatalf("stream %s: %v", name, err)
		}
		if name == "FAXPIPE_RAW" || name == "FAXPIPE_FORGED" {
			if got, want := st.CachedInfo().State.Msgs, uint64(len(provider.Registry)); got != want {
				t.Errorf("%s holds %d messages, want %d (one per provider)", name, got, want)
			}
		}
	}
	if st, err := js.Stream(context.Background(), "FAXPIPE_EVENTS"); err != nil || st.CachedInfo().Config.Duplicates != 7*24*time.Hour {
		t.Errorf("FAXPIPE_EVENTS's duplicate window is not the dedupe horizon (7 days): %v", err)
	}
	if _, err := js.ObjectStore(context.Background(), "faxpipe-documents"); err != nil {
		t.Errorf("object store faxpipe-documents: %v", err)
	}

	req, _ := http.NewRequest("GET", in.admin+"/metrics", nil)
	_, metrics := get(t, req)
	for _, want := range []string{
		`faxpipe_ingress_requests_total{account="demo",code="200",provider="sfax"} 1`,
		`faxpipe_ingress_requests_total{account="demo",code="200",provider="efax"} 1`,
		`faxpipe_ingress_requests_total{account="demo",code="200",provider="telnyx"} 1`,
		fmt.Sprintf("faxpipe_ingress_publish_duration_seconds_count %d", len(provider.Registry)),
		`faxpipe_ingress_in_flight_publishes 0`,
		`faxpipe_ingress_forgeries_total{account="demo",provider="gofax",reason="credentials_mismatch"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	req, _ = http.NewRequest("GET", in.ingress+"/metrics", nil)
	if status, _ := get(t, req); status != 404 {
		t.Errorf("/metrics on the public port: %d, want 404", status)
	}
	if err := in.stop(); err != nil {
		t.Errorf("run after cancel: %v, want nil", err)
	}
	if strings.Contains(in.stderr.String(), "5787A4EDBCDE46F9D6D2E067AC7097DC") {
		t.Error("the log contains the Sfax API key")
	}
}

// demoCallback is one callback to the example configuration's demo account
// of a provider.
type demoCallback struct {
	name     string
	req      *http.Request
	wantBody string // of the 200
}

// demoCallbacks are a callback of each provider's demo account, signed
// with the example configuration's credentials or, when forged, with wrong
// ones.
func demoCallbacks(t *testing.T, base string, forged bool) []demoCallback {
	t.Helper()
	key, gofaxPassword, efaxSecret := "0123456789abcdef0123456789abcdef", "demo-gofax-password", "demo-efax-hmac-secret"
	if forged {
		key, gofaxPassword, efaxSecret = "ffffffffffffffffffffffffffffffff", "guess", "guess"
	}
	tok, err := sfax.EncryptToken(sfax.Token{Username: "demo", APIKey: "5787A4EDBCDE46F9D6D2E067AC7097DC", GenDT: time.Now().UTC()}, []byte(key), []byte("fedcba9876543210"))
	if err != nil {
		t.Fatal(err)
	}
	sfaxReq, _ := http.NewRequest("GET", base+"/callbacks/sfax/demo?token="+url.QueryEscape(tok)+"&apikey=5787A4EDBCDE46F9D6D2E067AC7097DC&faxtype=0&faxid=2150102030405000000&faxsuccess=1", nil)
	gofaxReq, _ := http.NewRequest("POST", base+"/callbacks/gofax/demo", strings.NewReader("FaxID=4851543&Message=COMPLETE"))
	gofaxReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	gofaxReq.SetBasicAuth("gofax", gofaxPassword)
	efaxBody := `{"event_type":"PING","notification_id":"n-1","app_id":"d580162d-d162-4353-bd55-c2044ab20711"}`
	efaxReq, _ := http.NewRequest("POST", base+"/callbacks/efax/demo", strings.NewReader(efaxBody))
	efaxReq.Header.Set("Content-Type", "application/json")
	mac := hmac.New(sha256.New, []byte(efaxSecret))
	mac.Write([]byte(efaxBody))
	efaxReq.Header.Set("X-HMAC-Signature", hex.EncodeToString(mac.Sum(nil)))
	telnyxKey := telnyxsim.DemoPrivateKey()
	if forged {
		if _, telnyxKey, err = ed25519.GenerateKey(nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now().UTC()
	telnyxBody := `{"data":{"event_type":"fax.delivered","id":"95479a2e-b947-470a-a88f-2da6dd07ae0f","occurred_at":"` + now.Format(time.RFC3339Nano) +
		`","payload":{"call_duration_secs":25,"direction":"outbound","fax_id":"f8338808-3dc6-4f2b-942a-5d1f39255784","from":"+17733372107","page_count":2,"status":"delivered","to":"+15107882622"},"record_type":"event"},"meta":{"attempt":1}}`
	telnyxReq, _ := http.NewRequest("POST", base+"/callbacks/telnyx/demo", strings.NewReader(telnyxBody))
	telnyxReq.Header.Set("Content-Type", "application/json")
	ts := strconv.FormatInt(now.Unix(), 10)
	telnyxReq.Header.Set(telnyx.TimestampHeader, ts)
	telnyxReq.Header.Set(telnyx.SignatureHeader, telnyx.Sign(telnyxKey, ts, []byte(telnyxBody)))
	return []demoCallback{{"sfax", sfaxReq, ""}, {"gofax", gofaxReq, ""}, {"efax", efaxReq, `{"status":"SUCCESS"}`}, {"telnyx", telnyxReq, ""}}
}

// TestReadmeCallbacks runs the README's curl blocks, as a newcomer would
// paste them, against a live `faxpipe all`: each must get its provider's 200
// and land in FAXPIPE_RAW.
func TestReadmeCallbacks(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "openssl", "od"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the README's commands need %s: %v", tool, err)
		}
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	in := startAll(t, nil)
	ran := 0
	for _, b := range blocks {
		script := b[1]
		if !strings.Contains(script, "/callbacks/") {
			continue
		}
		ran++
		script = strings.ReplaceAll(script, "http://localhost:8080", in.ingress)
		script = strings.ReplaceAll(script, "127.0.0.1:9601", in.providerAPI) // document links on the accounts' API hosts
		out, err := exec.Command("bash", "-euo", "pipefail", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("README block failed: %v\n%s\n%s", err, script, out)
		}
		if !strings.Contains(string(out), "HTTP/1.1 200 OK") {
			t.Errorf("README block did not get a 200:\n%s\n%s", script, out)
		}
		if strings.Contains(script, "/callbacks/efax/") && !strings.HasSuffix(strings.TrimSpace(string(out)), `{"status":"SUCCESS"}`) {
			t.Errorf("eFax answer lacks its JSON body:\n%s", out)
		}
	}
	if want := len(provider.Registry); ran != want {
		t.Fatalf("found %d README callback blocks, want one per provider (%d)", ran, want)
	}
	if got := streamCount(t, in.nats, "FAXPIPE_RAW"); got != uint64(ran) {
		t.Errorf("FAXPIPE_RAW holds %d envelopes, want %d", got, ran)
	}
	// The demo accounts' credentials sign the README's callbacks: each must
	// verify and become an event.
	deadline := time.Now().Add(15 * time.Second)
	for streamCount(t, in.nats, "FAXPIPE_EVENTS") < uint64(ran) && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if got := streamCount(t, in.nats, "FAXPIPE_EVENTS"); got != uint64(ran) {
		t.Errorf("FAXPIPE_EVENTS holds %d events, want %d", got, ran)
	}
	if got := streamCount(t, in.nats, "FAXPIPE_REJECTED"); got != 0 {
		t.Errorf("FAXPIPE_REJECTED holds %d rejections, want 0\n%s", got, in.stderr)
	}
}

func streamCount(t *testing.T, url, stream string) uint64 {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(context.Background(), stream)
	if err != nil {
		t.Fatal(err)
	}
	return st.CachedInfo().State.Msgs
}

// TestEndToEndDocumentStored: one signed eFax callback through `faxpipe all`
// becomes a verified event, and its document, fetched from a local
// emulation of the eFax API with an OAuth2 token, is stored in the object
// store byte for byte and announced.
func TestEndToEndDocumentStored(t *testing.T) {
	const faxID = "7e029808-237b-413e-a051-53bf445e8b49"
	pdf := []byte("%PDF-1.4\n1 0 obj <</Type /Page>> endobj\n2 0 obj <</Type /Page>> endobj\n%%EOF\n")
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/tokens":
			if u, p, ok := r.BasicAuth(); !ok || u != "d580162d-d162-4353-bd55-c2044ab20711" || p != "demo-efax-api-key" {
				http.Error(w, "bad client credentials", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"access_token":"tok-1","token_type":"bearer","expires_in":86400}`)
		case r.URL.Path == "/faxes/"+faxID+"/image":
			if r.Header.Get("Authorization") != "Bearer tok-1" || r.Header.Get("user-id") != "ca4cd102" {
				http.Error(w, "unauthorized", http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"fax_id":%q,"file_name":"fax.pdf","image":%q}`, faxID, base64.StdEncoding.EncodeToString(pdf))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(api.Close)
	example, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "faxpipe.yaml")
	if err := os.WriteFile(cfgPath, bytes.ReplaceAll(example, []byte("http://127.0.0.1:9601"), []byte(api.URL)), 0o600); err != nil {
		t.Fatal(err)
	}
	in := startAll(t, map[string]string{"CONFIG": cfgPath}) // the example, pointed at the emulated API

	body := fmt.Sprintf(`{"app_id":"d580162d-d162-4353-bd55-c2044ab20711","user_id":"ca4cd102","notification_id":"n1","direction":"INBOUND",`+
		`"completed_timestamp":%q,"duration":48,"pages":2,"fax_id":%q,"sending_fax_number":"13235555555",`+
		`"receiving_fax_number":"18885555555","resource_url":%q}`, time.Now().UTC().Format(time.RFC3339), faxID, api.URL+"/faxes/"+faxID+"/image")
	mac := hmac.New(sha256.New, []byte("demo-efax-hmac-secret"))
	mac.Write([]byte(body))
	req, _ := http.NewRequest(http.MethodPost, in.ingress+"/callbacks/efax/demo", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-HMAC-Signature", hex.EncodeToString(mac.Sum(nil)))
	if status, answer := get(t, req); status != 200 {
		t.Fatalf("callback: %d %s", status, answer)
	}

	deadline := time.Now().Add(30 * time.Second)
	for streamCount(t, in.nats, "FAXPIPE_DOCUMENTS") < 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	nc, err := nats.Connect(in.nats)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	ctx := context.Background()
	st, err := js.Stream(ctx, "FAXPIPE_DOCUMENTS")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := st.GetLastMsgForSubject(ctx, "faxpipe.documents.efax.demo.>")
	if err != nil {
		t.Fatalf("no document announcement within 30s: %v\n%s", err, in.stderr)
	}
	if msg.Subject != "faxpipe.documents.efax.demo.stored" {
		t.Fatalf("announced on %s, want ...stored: %s", msg.Subject, msg.Data)
	}
	if err := schemas.Validate("fax-document.v1.json", msg.Data); err != nil {
		t.Error(err)
	}
	store, err := js.ObjectStore(ctx, "faxpipe-documents")
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.GetBytes(ctx, "efax/demo/"+faxID+".pdf")
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(pdf) {
		t.Errorf("stored document differs from the one the API served")
	}
	want := hex.EncodeToString(func() []byte { s := sha256.Sum256(pdf); return s[:] }())
	if !strings.Contains(string(msg.Data), want) {
		t.Errorf("announcement lacks the document's SHA-256 %s: %s", want, msg.Data)
	}
}

func TestRunRejectsBadInvocations(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{name: "no command", args: nil, wantErr: "expected a command"},
		{name: "a service takes no arguments", args: []string{"-config", exampleConfig, "all", "now"}, wantErr: `faxpipe all takes no arguments, got ["now"]`},
		{name: "a tool without its broker says so", args: []string{"-config", exampleConfig, "tail"}, env: map[string]string{"FAXPIPE_NATS_EMBEDDED_PORT": "1", "FAXPIPE_NATS_CONNECT_WAIT": "300ms"}, wantErr: "no NATS server at nats://127.0.0.1:1 (is faxpipe running?)"},
		{name: "a tool's bad flag", args: []string{"-config", exampleConfig, "demo", "-count", "many"}, wantErr: `invalid value "many"`},
		{name: "unknown command", args: []string{"fax"}, wantErr: `unknown command "fax"`},
		{name: "single service needs a NATS URL", args: []string{"-config", exampleConfig, "ingress"}, wantErr: "nats.url: must be set"},
		{name: "missing file", args: []string{"-config", "nope.yaml", "all"}, wantErr: "nope.yaml"},
		{name: "bad override names the field", args: []string{"-config", exampleConfig, "all"}, env: map[string]string{"FAXPIPE_INGRESS_BODY_LIMIT": "lots"}, wantErr: "ingress.body_limit"},
		{name: "bad value names the field", args: []string{"-config", exampleConfig, "all"}, env: map[string]string{"FAXPIPE_STREAMS_REPLICAS": "9"}, wantErr: "streams.replicas"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

// TestRunStopsWhenAComponentFails: a component that cannot start (its port
// is taken) stops the whole process with an error naming it.
func TestRunStopsWhenAComponentFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	ports := freePorts(t, 2)
	vars := map[string]string{
		"FAXPIPE_INGRESS_LISTEN":         ln.Addr().String(),
		"FAXPIPE_ADMIN_LISTEN":           "127.0.0.1:" + ports[0],
		"FAXPIPE_NATS_EMBEDDED_PORT":     ports[1],
		"FAXPIPE_NATS_EMBEDDED_DATA_DIR": t.TempDir(),
	}
	err = run(context.Background(), []string{"-config", exampleConfig, "all"}, func(k string) string { return vars[k] }, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "ingress.listen") {
		t.Fatalf("err = %v, want an ingress.listen error", err)
	}
}

func get(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDemo: `faxpipe demo` brings the pipeline up, the simulator sends
// faxes of every provider of the registry, and the events and stored documents of
// each provider are shown before it ends by itself.
func TestDemo(t *testing.T) {
	ports := freePorts(t, 4)
	example, err := os.ReadFile(exampleConfig)
	if err != nil {
		t.Fatal(err)
	}
	configPath := filepath.Join(t.TempDir(), "demo.yaml")
	moved := bytes.ReplaceAll(example, []byte("127.0.0.1:9601"), []byte("127.0.0.1:"+ports[3]))
	if err := os.WriteFile(configPath, moved, 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{
		"FAXPIPE_INGRESS_LISTEN":     "127.0.0.1:" + ports[0],
		"FAXPIPE_ADMIN_LISTEN":       "127.0.0.1:" + ports[1],
		"FAXPIPE_NATS_EMBEDDED_PORT": ports[2],
		// An operator's own broker: the demo must not read it.
		"FAXPIPE_NATS_URL": "nats://127.0.0.1:1",
	}
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = run(ctx, []string{"-config", configPath, "demo"}, func(k string) string { return vars[k] }, &stdout, &stderr)
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, stdout.String(), stderr.String())
	}
	for p := range provider.Registry {
		for _, line := range []string{`fax\.inbound\.received\s+` + string(p) + `/demo`, `document\.stored\s+` + string(p) + `/demo .* sha256 `} {
			if !regexp.MustCompile(line).MatchString(stdout.String()) {
				t.Errorf("no line matching %q in the demo's output:\n%s", line, stdout.String())
			}
		}
	}
	if !strings.Contains(stdout.String(), "faxpipe sim: 9 faxes") {
		t.Errorf("no simulator summary in the demo's output:\n%s", stdout.String())
	}
}

// helpInvocations are every command's request for help, in the forms a
// user types them.
var helpInvocations = []struct {
	name string
	args []string
	want string // in the usage printed
}{
	{name: "faxpipe -h", args: []string{"-h"}, want: "usage: faxpipe [-config FILE] COMMAND"},
	{name: "faxpipe --help", args: []string{"--help"}, want: "usage: faxpipe [-config FILE] COMMAND"},
	{name: "faxpipe help", args: []string{"help"}, want: "usage: faxpipe [-config FILE] COMMAND"},
	{name: "faxpipe help -h", args: []string{"help", "-h"}, want: "usage: faxpipe [-config FILE] COMMAND"},
	{name: "faxpipe help tail", args: []string{"help", "tail"}, want: "usage: faxpipe tail"},
	{name: "faxpipe help rejected list", args: []string{"help", "rejected", "list"}, want: "usage: faxpipe rejected"},
	{name: "ingress -h", args: []string{"ingress", "-h"}, want: "usage: faxpipe [-config FILE] ingress"},
	{name: "processor --help", args: []string{"processor", "--help"}, want: "usage: faxpipe [-config FILE] processor"},
	{name: "downloader -help", args: []string{"downloader", "-help"}, want: "usage: faxpipe [-config FILE] downloader"},
	{name: "all -h", args: []string{"all", "-h"}, want: "usage: faxpipe [-config FILE] all"},
	{name: "sim -h", args: []string{"sim", "-h"}, want: "faxpipe sim"},
	{name: "sim --help", args: []string{"sim", "--help"}, want: "-serve-only"},
	{name: "demo -h", args: []string{"demo", "-h"}, want: "usage: faxpipe [-config FILE] demo"},
	{name: "tail -h", args: []string{"tail", "-h"}, want: "usage: faxpipe tail"},
	{name: "tail --since 1h --help", args: []string{"tail", "--since", "1h", "--help"}, want: "usage: faxpipe tail"},
	{name: "replay -h", args: []string{"replay", "-h"}, want: "usage: faxpipe replay"},
	{name: "replay -help", args: []string{"replay", "-help"}, want: "usage: faxpipe replay"},
	{name: "rejected -h", args: []string{"rejected", "-h"}, want: "usage: faxpipe rejected"},
	{name: "rejected --help", args: []string{"rejected", "--help"}, want: "usage: faxpipe rejected"},
	{name: "rejected list -h", args: []string{"rejected", "list", "-h"}, want: "usage: faxpipe rejected"},
	{name: "rejected show -h", args: []string{"rejected", "show", "-h"}, want: "usage: faxpipe rejected"},
	{name: "rejected redrive --help", args: []string{"rejected", "redrive", "--help"}, want: "usage: faxpipe rejected"},
}

// TestHelpNamesEveryProvider: the help that lists the providers — the
// simulator's line in `faxpipe help`, the -provider flag of the tools —
// names every provider of the registry.
func TestHelpNamesEveryProvider(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{{"help"}, {"tail", "-h"}, {"replay", "-h"}, {"reconcile", "-h"}, {"rejected", "list", "-h"}} {
		var stdout, stderr syncBuffer
		if err := run(context.Background(), args, func(string) string { return "" }, &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		out := strings.ToLower(stdout.String() + stderr.String())
		for name := range provider.Registry {
			if !strings.Contains(out, string(name)) {
				t.Errorf("faxpipe %s does not name the provider %s:\n%s", strings.Join(args, " "), name, out)
			}
		}
	}
}

// TestHelp: every command's help works anywhere, with no configuration
// file and no environment: run prints the usage and returns nil, and the
// built binary exits 0.
func TestHelp(t *testing.T) {
	t.Chdir(t.TempDir()) // no configuration file around
	for _, tc := range helpInvocations {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr syncBuffer
			err := run(context.Background(), tc.args, func(string) string { return "" }, &stdout, &stderr)
			if err != nil {
				t.Fatalf("run: %v, want nil\n%s%s", err, stdout.String(), stderr.String())
			}
			if out := stdout.String() + stderr.String(); !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// TestHelpBinary: the same, through the built binary: exit status 0.
func TestHelpBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "faxpipe")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dir := t.TempDir()
	for _, tc := range helpInvocations {
		t.Run(tc.name, func(t *testing.T) {
			cmd := exec.Command(bin, tc.args...)
			cmd.Env, cmd.Dir = []string{}, dir
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v, want exit status 0:\n%s", err, out)
			}
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

// freePorts is n distinct free loopback ports, as text.
func freePorts(t *testing.T, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = strconv.Itoa(streamtest.FreePort(t))
	}
	return out
}
