package processor_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/admin/admintest"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/processor"
)

const (
	pipelineKey    = "test-pipeline-key-0123456789abcdef"
	sfaxUser       = "demo"
	sfaxAPIKey     = "5787A4EDBCDE46F9D6D2E067AC7097DC"
	sfaxKey        = "0123456789abcdef0123456789abcdef"
	sfaxIV         = "fedcba9876543210"
	efaxSecret     = "efax-hmac-secret"
	efaxTemplate   = `{"app_id":"app","user_id":"user","notification_id":"n-%[1]s","direction":"INBOUND","completed_timestamp":"%[2]s","duration":48,"pages":2,"fax_id":"%[1]s","sending_fax_number":"13235555555","receiving_fax_number":"18885555555","resource_url":"https://api.securedocex.com/faxes/%[1]s/image"}`
	testAckWait    = time.Second
	testMaxDeliver = 3
)

func accounts() config.Accounts {
	return config.Accounts{
		&sfax.Account{
			AccountBase: config.AccountBase{ID: "demo", APIBaseURL: "https://api.sfaxme.com"},
			Username:    sfaxUser, APIKey: config.Literal(sfaxAPIKey),
			EncryptionKey: config.Literal(sfaxKey), InitVector: config.Literal(sfaxIV),
			TokenWindow: 15 * time.Minute,
		},
		&efax.Account{
			AccountBase: config.AccountBase{ID: "demo", APIBaseURL: "https://api.securedocex.com"},
			HMACSecret:  config.Literal(efaxSecret),
		},
	}
}

func digester(t testing.TB) *fax.Digester {
	d, err := fax.NewDigester("k1", []byte(pipelineKey))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// pipeline is an in-process broker with the topology, and a way to start
// processors on it.
type pipeline struct {
	t    *testing.T
	nats *streamtest.Server
	conn *stream.Conn
	// ackWait, if set, replaces testAckWait for the processors started
	// next: for tests that count deliveries, which a redelivery after a
	// slow machine let 1 s pass would change.
	ackWait time.Duration
}

func newPipeline(t *testing.T) *pipeline {
	ns := streamtest.Start(t)
	return &pipeline{t: t, nats: ns, conn: streamtest.Connect(t, ns, config.Default().Streams)}
}

// running is one processor with its own connection.
type running struct {
	proc   *processor.Processor
	conn   *stream.Conn
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
}

// start runs a processor with its own NATS connection until the test ends.
// wrap, if set, wraps its normalizer.
func (p *pipeline) start(wrap func(fax.Normalizer) fax.Normalizer) *running {
	t := p.t
	t.Helper()
	cfg := config.Default().NATS
	conn, err := stream.Connect(p.nats.URL(), cfg, "processor-test", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	adapters, err := provider.NewNormalizers(accounts(), digester(t))
	if err != nil {
		t.Fatal(err)
	}
	var n fax.Normalizer = adapters
	if wrap != nil {
		n = wrap(n)
	}
	reg := prometheus.NewRegistry()
	pc := config.Processor{Concurrency: 4, MaxDeliver: testMaxDeliver, AckWait: testAckWait, RetryDelay: 20 * time.Millisecond}
	if p.ackWait > 0 {
		pc.AckWait = p.ackWait
	}
	proc, err := processor.New(pc, processor.Deps{Conn: conn, Normalizer: n, Log: zap.NewNop(), Registry: reg})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{proc: proc, conn: conn, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- proc.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// waitReady waits until the processor consumes the raw stream.
func (r *running) waitReady(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for r.proc.Ready(ctx) != nil {
		if ctx.Err() != nil {
			t.Fatal("the processor did not start consuming within 30 s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// kill closes the processor's connection abruptly, as a crash would, and
// waits for it to give up (with an error, which a process would die of).
func (r *running) kill(t testing.TB) {
	r.once.Do(func() {
		r.conn.NC.Close()
		r.cancel()
		if err := <-r.done; err == nil {
			t.Log("killed processor returned nil")
		}
	})
}

// stop ends the processor and waits for Run to return nil; safe to repeat.
func (r *running) stop(t testing.TB) {
	r.once.Do(func() {
		r.cancel()
		if err := <-r.done; err != nil {
			t.Errorf("processor Run: %v", err)
		}
		r.conn.NC.Close()
	})
}

// counter reads a counter of the processor's metrics, summed over labels.
func (r *running) counter(t testing.TB, name string) float64 {
	t.Helper()
	return admintest.CounterSum(t, r.reg, name)
}

// publishRaw stores env in FAXPIPE_RAW as the ingress would.
func (p *pipeline) publishRaw(env *fax.Envelope) {
	p.t.Helper()
	data, err := json.Marshal(env)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.conn.JS.Publish(context.Background(), env.Subject(), data, jetstream.WithMsgID(env.ID)); err != nil {
		p.t.Fatal(err)
	}
}

// settle waits until the processor consumer has nothing pending or unacked.
func (p *pipeline) settle(within time.Duration) {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		info, err := p.rawConsumer()
		if err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Stream > 0 {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.t.Fatalf("raw stream not fully processed within %v", within)
}

// rawConsumer is the state of the processors' durable consumer.
func (p *pipeline) rawConsumer() (*jetstream.ConsumerInfo, error) {
	cons, err := p.conn.JS.Consumer(context.Background(), fax.RawStream, stream.ProcessorDurable)
	if err != nil {
		return nil, err
	}
	return cons.Info(context.Background())
}

// whereAreThey tells, for a test that misses events, what became of the
// callbacks: the rejections with their reasons, the raw consumer's state
// and the events stream's count a second later (an event stored after the
// consumer looked settled).
func (p *pipeline) whereAreThey() string {
	p.t.Helper()
	var b strings.Builder
	for _, r := range p.rejected() {
		fmt.Fprintf(&b, "rejected raw seq %d: %s (%s); ", r.RawSeq, r.Reason, r.Detail)
	}
	if info, err := p.rawConsumer(); err != nil {
		fmt.Fprintf(&b, "raw consumer: %v; ", err)
	} else {
		fmt.Fprintf(&b, "raw consumer: delivered %d, acked floor %d, pending %d, unacked %d, redelivered %d; ",
			info.Delivered.Stream, info.AckFloor.Stream, info.NumPending, info.NumAckPending, info.NumRedelivered)
	}
	time.Sleep(time.Second)
	fmt.Fprintf(&b, "a second later %d distinct events", len(countByID(p.events())))
	return b.String()
}

// events returns every event in FAXPIPE_EVENTS as CloudEvents JSON, by
// subject, and checks each against the schema.
func (p *pipeline) events() []cloudEvent {
	p.t.Helper()
	var out []cloudEvent
	for _, m := range streamtest.Messages(p.t, p.conn.JS, fax.EventsStream) {
		var ce cloudEvent
		if err := json.Unmarshal(m.Data, &ce); err != nil {
			p.t.Fatal(err)
		}
		if got := m.Header.Get("Nats-Msg-Id"); got != ce.ID {
			p.t.Errorf("Nats-Msg-Id %q, want the event id %q", got, ce.ID)
		}
		ce.natsSubject, ce.raw = m.Subject, m.Data
		out = append(out, ce)
	}
	return out
}

// rejected returns every rejection record with its subject.
func (p *pipeline) rejected() []rejection {
	p.t.Helper()
	var out []rejection
	for _, m := range streamtest.Messages(p.t, p.conn.JS, fax.RejectedStream) {
		var r rejection
		if err := json.Unmarshal(m.Data, &r.Rejected); err != nil {
			p.t.Fatal(err)
		}
		r.natsSubject, r.raw = m.Subject, m.Data
		out = append(out, r)
	}
	return out
}

type cloudEvent struct {
	ID          string    `json:"id"`
	Type        string    `json:"type"`
	Subject     string    `json:"subject"`
	Data        fax.Event `json:"data"`
	natsSubject string
	raw         []byte
}

type rejection struct {
	fax.Rejected
	natsSubject string
	raw         []byte
}

// envelope builds a raw envelope as the ingress does.
func envelope(t testing.TB, p fax.Provider, method, rawQuery string, header http.Header, body []byte, receivedAt time.Time) *fax.Envelope {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatal(err)
	}
	d := digester(t)
	secrets := map[fax.Provider][]string{fax.Sfax: {"apikey"}}[p]
	query, redQ := fax.RedactQuery(rawQuery, secrets, d)
	headers, redH := fax.RedactHeaders(header, d)
	return &fax.Envelope{
		Schema: fax.EnvelopeSchema, ID: id.String(), ReceivedAt: receivedAt.UTC(),
		Provider: p, Account: "demo", Method: method, Path: "/callbacks/" + string(p) + "/demo",
		Query: query, Headers: headers, RemoteAddr: "127.0.0.1:1234", Body: body,
		Redacted: append(append([]fax.Redaction{}, redH...), redQ...),
	}
}

func efaxEnvelope(t testing.TB, faxID string, secret string, receivedAt time.Time) *fax.Envelope {
	body := []byte(fmt.Sprintf(efaxTemplate, faxID, receivedAt.UTC().Format(time.RFC3339)))
	h := http.Header{"Content-Type": {"application/json"}, efax.SignatureHeader: {efax.Sign(body, secret)}}
	return envelope(t, fax.EFax, http.MethodPost, "", h, body, receivedAt)
}

func sfaxEnvelope(t testing.TB, faxID string, genDT, receivedAt time.Time) *fax.Envelope {
	t.Helper()
	tok, err := sfax.EncryptToken(sfax.Token{Username: sfaxUser, APIKey: sfaxAPIKey, GenDT: genDT}, []byte(sfaxKey), []byte(sfaxIV))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{
		"token": {tok}, "apikey": {sfaxAPIKey}, "faxtype": {"1"}, "faxid": {faxID}, "faxsuccess": {"1"},
		"faxpages": {"2"}, "faxdateiso": {receivedAt.UTC().Format(time.RFC3339)}, "intofaxnumber": {"1-5555551212"},
		"infromfaxnumber": {"1-5555551213"}, "istest": {"0"},
	}
	return envelope(t, fax.Sfax, http.MethodGet, q.Encode(), http.Header{}, []byte{}, receivedAt)
}

// countByID counts events per id.
func countByID(evs []cloudEvent) map[string]int {
	m := map[string]int{}
	for _, e := range evs {
		m[e.ID]++
	}
	return m
}

var errBoom = errors.New("boom")
