package downloader_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/pkg/admin/admintest"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/schemas"
)

const (
	sfaxUser   = "demo"
	sfaxAPIKey = "5787A4EDBCDE46F9D6D2E067AC7097DC"
	sfaxKey    = "0123456789abcdef0123456789abcdef"
	sfaxIV     = "fedcba9876543210"
	gofaxToken = "gofax-api-token"
	efaxApp    = "efax-app"
	efaxKey    = "efax-api-key"
)

// testConfig is a downloader configuration with test-sized times.
func testConfig() config.Downloader {
	cfg := config.Default().Downloader
	cfg.Concurrency, cfg.ProviderConcurrency = 4, 2
	cfg.MaxDocumentSize = 1 << 20
	// A stall is 2 s of silence, not less: the tests count requests
	// exactly, and on a loaded machine (under -race) a healthy answer can
	// pause for a few hundred milliseconds, which a shorter stall timeout
	// would take for a stall and retry. AckWait exceeds it, as validation
	// requires, with room for the keep-alive to be late.
	cfg.RequestTimeout, cfg.StallTimeout = 5*time.Second, 2*time.Second
	cfg.NotFoundGrace, cfg.RetryBudget = time.Minute, 5*time.Second
	cfg.InitialBackoff, cfg.MaxBackoff = 20*time.Millisecond, 200*time.Millisecond
	cfg.MaxDeliver, cfg.AckWait = 3, 10*time.Second
	cfg.AllowPrivateNetworks = true // the emulators listen on loopback
	return cfg
}

// emulator is a provider API: a handler behind an HTTPS (or HTTP) server
// that counts requests by path.
type emulator struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
	all  atomic.Int64
}

func newEmulator(t *testing.T, tlsServer bool, h http.HandlerFunc) *emulator {
	return newEmulatorOn(t, nil, tlsServer, h)
}

// newEmulatorOn is newEmulator serving on ln; nil means a loopback IPv4
// port no other emulator of the process had. eFax tokens are cached per
// process by API address and app (efax's shared token cache), so an
// emulator on a port an earlier test's had used would meet that test's
// cached token: a 401 that used up the one refresh the test counts on
// (the likely cause of TestEFaxTokenRefreshedOnce failing once in ten
// race runs with a 401 after its one refresh).
func newEmulatorOn(t *testing.T, ln net.Listener, tlsServer bool, h http.HandlerFunc) *emulator {
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", streamtest.FreeAddr(t)); err != nil {
			t.Fatal(err)
		}
	}
	e := &emulator{hits: map[string]int{}}
	wrapped := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.hits[r.URL.Path]++
		e.mu.Unlock()
		e.all.Add(1)
		h(w, r)
	})
	e.Server = httptest.NewUnstartedServer(wrapped)
	_ = e.Listener.Close()
	e.Listener = ln
	if tlsServer {
		e.StartTLS()
	} else {
		e.Start()
	}
	t.Cleanup(e.Close)
	return e
}

func (e *emulator) count(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.hits[path]
}

// accounts configures one "demo" account per provider on base URLs.
func accounts(sfaxBase, gofaxBase, efaxBase string) config.Accounts {
	return config.Accounts{
		&sfax.Account{
			AccountBase: config.AccountBase{ID: "demo", APIBaseURL: sfaxBase},
			Username:    sfaxUser, APIKey: config.Literal(sfaxAPIKey),
			EncryptionKey: config.Literal(sfaxKey), InitVector: config.Literal(sfaxIV),
		},
		&gofax.Account{
			AccountBase: config.AccountBase{ID: "demo", APIBaseURL: gofaxBase},
			APIToken:    config.Literal(gofaxToken),
		},
		&efax.Account{
			AccountBase: config.AccountBase{ID: "demo", APIBaseURL: efaxBase},
			AppID:       efaxApp, APIKey: config.Literal(efaxKey),
		},
	}
}

// env is an in-process broker with the topology.
type env struct {
	t    *testing.T
	nats *streamtest.Server
	conn *stream.Conn
	// logs are the downloaders' log lines at info and above, for the
	// diagnosis of a test that waited in vain.
	logs     *observer.ObservedLogs
	logsCore zapcore.Core
}

func newEnv(t *testing.T) *env {
	ns := streamtest.Start(t)
	core, logs := observer.New(zapcore.InfoLevel)
	return &env{t: t, nats: ns, conn: streamtest.Connect(t, ns, config.Default().Streams), logs: logs, logsCore: core}
}

// running is one downloader with its own connection.
type running struct {
	conn   *stream.Conn
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// start runs a downloader until the test ends; tlsFrom, if set, is the
// HTTPS emulator whose certificate it trusts.
func (e *env) start(cfg config.Downloader, accs config.Accounts, tlsFrom *emulator) *running {
	t := e.t
	t.Helper()
	conn, err := stream.Connect(e.nats.URL(), config.Default().NATS, "downloader-test", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	var tlsCfg *tls.Config
	if tlsFrom != nil {
		tlsCfg = tlsFrom.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	}
	reg := prometheus.NewRegistry()
	d, err := downloader.New(cfg, downloader.Deps{JS: conn.JS, Accounts: accs, Documents: provider.NewDocumentClient, Log: zap.New(e.logsCore), Registry: reg, TLS: tlsCfg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{conn: conn, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- d.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	waitFor(t, 10*time.Second, "downloader ready", func() bool { return d.Ready(context.Background()) == nil })
	return r
}

// stop ends the downloader and waits for Run to return nil; safe to repeat.
func (r *running) stop(t testing.TB) {
	r.once.Do(func() {
		r.cancel()
		if err := <-r.done; err != nil {
			t.Errorf("downloader Run: %v", err)
		}
		r.conn.NC.Close()
	})
}

// counter sums a counter of the downloader's metrics over labels.
func (r *running) counter(t testing.TB, name string) float64 {
	t.Helper()
	return admintest.CounterSum(t, r.reg, name)
}

// inbound is a received inbound fax event with a document.
func inbound(p fax.Provider, faxID string, receivedAt time.Time, fields map[string]string) fax.Event {
	ev := fax.Event{
		Provider: p, Account: "demo", Channel: fax.ChannelFax, Direction: fax.Inbound,
		Outcome: fax.OutcomeReceived, Success: true, FaxID: faxID, Document: true,
		RawRef: fax.RawRef{ID: "raw-" + faxID, StreamSeq: 1}, ReceivedAt: receivedAt.UTC(),
		ProviderFields: map[string]json.RawMessage{},
	}
	for k, v := range fields {
		b, _ := json.Marshal(v)
		ev.ProviderFields[k] = b
	}
	return ev
}

// publish stores ev in FAXPIPE_EVENTS as the processor does, with msgID
// (the event id when empty).
func (e *env) publish(ev fax.Event, msgID string) {
	e.t.Helper()
	enc, err := ev.Encode()
	if err != nil {
		e.t.Fatal(err)
	}
	if msgID == "" {
		msgID = enc.ID
	}
	if _, err := e.conn.JS.Publish(context.Background(), enc.Subject, enc.Data, jetstream.WithMsgID(msgID)); err != nil {
		e.t.Fatal(err)
	}
}

type announcement struct {
	ID          string                   `json:"id"`
	Type        string                   `json:"type"`
	Subject     string                   `json:"subject"`
	Data        fax.DocumentAnnouncement `json:"data"`
	natsSubject string
}

// announcements returns every announcement, each checked against the
// schema and its Nats-Msg-Id.
func (e *env) announcements() []announcement {
	e.t.Helper()
	var out []announcement
	for _, m := range streamtest.Messages(e.t, e.conn.JS, fax.DocumentsStream) {
		if err := schemas.Validate("fax-document.v1.json", m.Data); err != nil {
			e.t.Errorf("announcement %s: %v", m.Data, err)
		}
		var a announcement
		if err := json.Unmarshal(m.Data, &a); err != nil {
			e.t.Fatal(err)
		}
		if got := m.Header.Get("Nats-Msg-Id"); got != a.ID {
			e.t.Errorf("Nats-Msg-Id %q, want the announcement id %q", got, a.ID)
		}
		a.natsSubject = m.Subject
		out = append(out, a)
	}
	return out
}

// waitAnnouncements waits until n announcements exist and returns them.
func (e *env) waitAnnouncements(n int, within time.Duration) []announcement {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		st, err := e.conn.JS.Stream(context.Background(), fax.DocumentsStream)
		if err == nil && st.CachedInfo().State.Msgs >= uint64(n) {
			return e.announcements()
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no %d announcements within %v; %s", n, within, e.whereIsIt())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// whereIsIt says what became of the events a test waits for: the
// downloader consumer's state, the document bucket's, and the downloaders'
// last log lines.
func (e *env) whereIsIt() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var b strings.Builder
	if cons, err := e.conn.JS.Consumer(ctx, fax.EventsStream, stream.DownloaderDurable); err != nil {
		fmt.Fprintf(&b, "consumer %s: %v", stream.DownloaderDurable, err)
	} else if info, err := cons.Info(ctx); err != nil {
		fmt.Fprintf(&b, "consumer %s: %v", stream.DownloaderDurable, err)
	} else {
		fmt.Fprintf(&b, "consumer: delivered %d, acked floor %d, ack pending %d, redelivered %d, pending %d",
			info.Delivered.Consumer, info.AckFloor.Consumer, info.NumAckPending, info.NumRedelivered, info.NumPending)
	}
	if obs, err := e.conn.JS.ObjectStore(ctx, fax.DocumentBucket); err != nil {
		fmt.Fprintf(&b, "; bucket: %v", err)
	} else if st, err := obs.Status(ctx); err != nil {
		fmt.Fprintf(&b, "; bucket: %v", err)
	} else if bs, ok := st.(*jetstream.ObjectBucketStatus); ok {
		info := bs.StreamInfo()
		fmt.Fprintf(&b, "; bucket: %d of %d bytes, %d messages", info.State.Bytes, info.Config.MaxBytes, info.State.Msgs)
	}
	entries := e.logs.All()
	fmt.Fprintf(&b, "; %d log lines, the last:", len(entries))
	for _, en := range entries[max(0, len(entries)-8):] {
		fmt.Fprintf(&b, "\n  %s %s %v", en.Level, en.Message, en.ContextMap())
	}
	return b.String()
}

// object returns the stored bytes of name.
func (e *env) object(name string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs, err := e.conn.JS.ObjectStore(ctx, fax.DocumentBucket)
	if err != nil {
		return nil, err
	}
	return obs.GetBytes(ctx, name)
}

// objects counts the objects in the document bucket.
func (e *env) objects() int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs, err := e.conn.JS.ObjectStore(ctx, fax.DocumentBucket)
	if err != nil {
		e.t.Fatal(err)
	}
	list, err := obs.List(ctx)
	if err != nil {
		return 0
	}
	return len(list)
}

func waitFor(t testing.TB, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// drain reads and discards a request body.
func drain(r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }
