package reconciler

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// fakeLister lists a fixed set of faxes of account "acme" and records
// every window asked for; fail, when set, fails some calls.
type fakeLister struct {
	mu      sync.Mutex
	faxes   map[string]time.Time // fax id → completion time
	windows []listing.Window
	calls   int
	fail    func(call int) error
}

func (l *fakeLister) add(id string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.faxes[id] = at
}

func (l *fakeLister) List(_ context.Context, account string, w listing.Window, yield func(listing.Item) error) error {
	l.mu.Lock()
	l.calls++
	call := l.calls
	if l.fail != nil {
		if err := l.fail(call); err != nil {
			l.mu.Unlock()
			return err
		}
	}
	l.windows = append(l.windows, w)
	var ids []string
	for id, at := range l.faxes {
		if !at.Before(w.From) && at.Before(w.To) {
			ids = append(ids, id)
		}
	}
	l.mu.Unlock()
	slices.Sort(ids)
	if account != "acme" {
		return docfetch.ErrUnknownAccount
	}
	for _, id := range ids {
		body, _ := json.Marshal(map[string]string{"fax_id": id})
		if err := yield(listing.Item{FaxID: id, Method: "GET", Path: "/list", Body: body}); err != nil {
			return err
		}
	}
	return nil
}

func (l *fakeLister) listedWindows() []listing.Window {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.windows)
}

// fakeNormalizer makes the event of a listed item, after checking its
// seal as a provider's normalizer does.
type fakeNormalizer struct{ d *fax.Digester }

func (n fakeNormalizer) Normalize(raw fax.RawMessage) (fax.Event, error) {
	if err := n.d.CheckSeal(raw.Envelope); err != nil {
		return fax.Event{}, err
	}
	var item struct {
		FaxID string `json:"fax_id"`
	}
	if err := json.Unmarshal(raw.Envelope.Body, &item); err != nil || item.FaxID == "" {
		return fax.Event{}, fmt.Errorf("no fax_id: %w", fax.ReasonMalformed)
	}
	ev := fax.NewEvent(raw)
	ev.Channel, ev.Direction, ev.Outcome, ev.FaxID = fax.ChannelFax, fax.Inbound, fax.OutcomeReceived, item.FaxID
	return ev, nil
}

type harness struct {
	t      *testing.T
	conn   *stream.Conn
	lister *fakeLister
	deps   Deps
	cfg    config.Reconciler
	now    time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	srv := streamtest.Start(t)
	conn := streamtest.Connect(t, srv, config.Default().Streams)
	d, err := fax.NewDigester("k1", []byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	acc := &efax.Account{}
	acc.ID = "acme"
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	h := &harness{t: t, conn: conn, lister: &fakeLister{faxes: map[string]time.Time{}}, now: now}
	h.deps = Deps{
		JS: conn.JS, Publisher: stream.NewPublisher(conn, fax.RawStream),
		Listers:    map[fax.Provider]listing.Lister{fax.EFax: h.lister},
		Normalizer: fakeNormalizer{d}, Digester: d, Accounts: config.Accounts{acc},
		Log: zap.NewNop(), Now: func() time.Time { return h.now },
	}
	h.cfg = config.Default().Reconciler
	h.cfg.Interval, h.cfg.LeaseTTL = 50*time.Millisecond, 3*time.Second
	h.cfg.InitialBackoff, h.cfg.MaxBackoff = 5*time.Millisecond, 20*time.Millisecond
	h.cfg.CatchUp, h.cfg.Chunk, h.cfg.Overlap, h.cfg.Settle = 24*time.Hour, 6*time.Hour, time.Hour, 2*time.Minute
	return h
}

// start runs a reconciler until the test ends.
func (h *harness) start() *Reconciler {
	h.t.Helper()
	deps := h.deps
	deps.Registry = prometheus.NewRegistry()
	r, err := New(h.cfg, deps)
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	h.t.Cleanup(func() { cancel(); <-done })
	return r
}

// fedIDs are the fax ids of the API envelopes on FAXPIPE_RAW, in order.
func (h *harness) fedIDs() []string {
	var out []string
	for _, m := range streamtest.Messages(h.t, h.conn.JS, fax.RawStream) {
		var env fax.Envelope
		if err := json.Unmarshal(m.Data, &env); err != nil {
			h.t.Fatal(err)
		}
		if !env.FromAPI() {
			h.t.Fatalf("raw message %d is not an API envelope", m.Sequence)
		}
		var item struct {
			FaxID string `json:"fax_id"`
		}
		_ = json.Unmarshal(env.Body, &item)
		out = append(out, item.FaxID)
	}
	return out
}

// waitFor polls cond for up to 20 s.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// record publishes the event of fax id as the processor does: on its
// subject, with Nats-Msg-Id = its event id.
func (h *harness) record(id string) {
	h.t.Helper()
	ev := fax.Event{Provider: fax.EFax, Account: "acme", Channel: fax.ChannelFax, Direction: fax.Inbound, Outcome: fax.OutcomeReceived, FaxID: id}
	subject := fax.EventSubject(ev.Provider, ev.Account, ev.Channel, ev.Direction, ev.Outcome)
	if _, err := stream.NewPublisher(h.conn, fax.EventsStream).Publish(context.Background(), stream.NewMsg(subject, ev.ID(), []byte("{}"))); err != nil {
		h.t.Fatal(err)
	}
}

func TestFeedsOnlyWhatFaxpipeNeverHeardOf(t *testing.T) {
	h := newHarness(t)
	h.lister.add("webhook-came", h.now.Add(-3*time.Hour))
	h.lister.add("lost-1", h.now.Add(-2*time.Hour))
	h.lister.add("lost-2", h.now.Add(-20*time.Hour))
	h.lister.add("too-old", h.now.Add(-30*time.Hour))     // before the catch-up window
	h.lister.add("too-young", h.now.Add(-30*time.Second)) // left to its webhook (settle)
	h.record("webhook-came")
	h.start()
	h.waitFor("two faxes fed in", func() bool { return len(h.fedIDs()) >= 2 })
	// Several more passes feed nothing again.
	calls := func() int { h.lister.mu.Lock(); defer h.lister.mu.Unlock(); return h.lister.calls }
	c := calls()
	h.waitFor("more passes", func() bool { return calls() > c+5 })
	got := h.fedIDs()
	slices.Sort(got)
	if want := []string{"lost-1", "lost-2"}; !slices.Equal(got, want) {
		t.Fatalf("fed in %v, want %v (each once)", got, want)
	}
}

func TestNoWindowSkippedWhileTheAPIFails(t *testing.T) {
	h := newHarness(t)
	for i := range 24 {
		h.lister.add(fmt.Sprintf("fax-%02d", i), h.now.Add(-time.Duration(i)*time.Hour-30*time.Minute))
	}
	// Every call fails for a while: 503, 429 with Retry-After, a timeout.
	h.lister.fail = func(call int) error {
		switch {
		case call > 12:
			return nil
		case call%3 == 0:
			return &docfetch.StatusError{Code: http.StatusServiceUnavailable}
		case call%3 == 1:
			return &docfetch.StatusError{Code: http.StatusTooManyRequests, RetryAfter: 10 * time.Millisecond}
		default:
			return context.DeadlineExceeded
		}
	}
	h.start()
	h.waitFor("every fax fed in", func() bool { return len(h.fedIDs()) == 24 })
	ws := h.lister.listedWindows()
	// The first windows listed tile the catch-up range without a gap.
	from := h.now.Add(-h.cfg.CatchUp)
	for _, w := range ws {
		if w.From.After(from) {
			t.Fatalf("window %v–%v leaves a gap after %v", w.From, w.To, from)
		}
		if w.To.After(from) {
			from = w.To
		}
		if !from.Before(h.now.Add(-h.cfg.Settle)) {
			break
		}
	}
	if !from.Equal(h.now.Add(-h.cfg.Settle)) {
		t.Fatalf("windows reached %v, want %v", from, h.now.Add(-h.cfg.Settle))
	}
	got := h.fedIDs()
	slices.Sort(got)
	if len(slices.Compact(got)) != 24 {
		t.Fatalf("fed %d distinct faxes of %d messages, want 24 each once", len(slices.Compact(got)), len(h.fedIDs()))
	}
}

func TestRestartResumesFromProgress(t *testing.T) {
	h := newHarness(t)
	h.lister.add("early", h.now.Add(-10*time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	deps := h.deps
	deps.Registry = prometheus.NewRegistry()
	r, err := New(h.cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = r.Run(ctx) }()
	h.waitFor("the first fax", func() bool { return len(h.fedIDs()) == 1 })
	// The fax is fed before its window's progress is saved: wait for the
	// pass to have saved its progress up to now less the settle time.
	h.waitFor("the first pass's progress", func() bool {
		kv, err := h.conn.JS.KeyValue(context.Background(), StateBucket)
		if err != nil {
			return false
		}
		p, _, err := state{kv}.load(context.Background(), target{fax.EFax, "acme"})
		return err == nil && p.To.Equal(h.now.Add(-h.cfg.Settle))
	})
	cancel()
	<-done
	// Two hours later, a restart lists from the progress less the overlap,
	// not the whole catch-up window again.
	h.now = h.now.Add(2 * time.Hour)
	h.lister.add("later", h.now.Add(-30*time.Minute))
	n := len(h.lister.listedWindows())
	h.start()
	h.waitFor("the second fax", func() bool { return len(h.fedIDs()) == 2 })
	w := h.lister.listedWindows()[n]
	wantFrom := h.now.Add(-2*time.Hour - h.cfg.Settle - h.cfg.Overlap)
	if !w.From.Equal(wantFrom) {
		t.Fatalf("after the restart the first window starts at %v, want %v (progress less the overlap)", w.From, wantFrom)
	}
}

func TestOneReplicaReconcilesAnAccount(t *testing.T) {
	h := newHarness(t)
	h.lister.add("a", h.now.Add(-time.Hour))
	r1, r2 := h.start(), h.start()
	h.waitFor("a pass", func() bool { return len(h.fedIDs()) == 1 })
	time.Sleep(300 * time.Millisecond) // several intervals
	held := func(r *Reconciler) float64 {
		return gaugeValue(t, r.metrics.leaseHeld.WithLabelValues("efax", "acme"))
	}
	if held(r1)+held(r2) != 1 {
		t.Fatalf("leases held: %v and %v, want exactly one", held(r1), held(r2))
	}
	if got := h.fedIDs(); len(got) != 1 {
		t.Fatalf("fed %v, want one fax once", got)
	}
}

func TestRangeDryRunFeedsNothing(t *testing.T) {
	h := newHarness(t)
	h.lister.add("seen", h.now.Add(-3*time.Hour))
	h.lister.add("missing", h.now.Add(-2*time.Hour))
	h.record("seen")
	var found []Found
	opts := RangeOptions{Window: listing.Window{From: h.now.Add(-5 * time.Hour), To: h.now}, DryRun: true,
		Found: func(f Found) { found = append(found, f) }}
	tally, err := Range(context.Background(), h.deps, h.cfg, opts)
	if err != nil {
		t.Fatal(err)
	}
	if tally != (Tally{Listed: 2, Seen: 1, Missing: 1}) || len(found) != 1 || found[0].FaxID != "missing" {
		t.Fatalf("dry run: %+v, found %+v", tally, found)
	}
	if got := h.fedIDs(); len(got) != 0 {
		t.Fatalf("a dry run fed %v", got)
	}
	opts.DryRun = false
	if tally, err = Range(context.Background(), h.deps, h.cfg, opts); err != nil || tally.Missing != 1 {
		t.Fatalf("repair: %+v, %v", tally, err)
	}
	if tally, err = Range(context.Background(), h.deps, h.cfg, opts); err != nil || tally.Missing != 0 || tally.Pending != 1 {
		t.Fatalf("repeated repair: %+v, %v (want the fax pending, not fed again)", tally, err)
	}
	if got := h.fedIDs(); !slices.Equal(got, []string{"missing"}) {
		t.Fatalf("fed %v, want [missing]", got)
	}
}

func TestForgedSealIsRefused(t *testing.T) {
	h := newHarness(t)
	other, _ := fax.NewDigester("k2", []byte("another key, 32 bytes at least!!"))
	env, err := listing.Envelope(other, fax.EFax, "acme", listing.Item{Body: []byte(`{"fax_id":"x"}`)}, h.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.deps.Normalizer.Normalize(fax.RawMessage{Envelope: env}); err == nil {
		t.Fatal("an envelope sealed with another key was accepted")
	}
	env.Seal = h.deps.Digester.Seal(env)
	if _, err := h.deps.Normalizer.Normalize(fax.RawMessage{Envelope: env}); err != nil {
		t.Fatalf("resealed with the pipeline key: %v", err)
	}
	env.Body = []byte(`{"fax_id":"y"}`)
	if _, err := h.deps.Normalizer.Normalize(fax.RawMessage{Envelope: env}); err == nil {
		t.Fatal("a sealed envelope whose body changed was accepted")
	}
}

func gaugeValue(t *testing.T, g prometheus.Gauge) float64 {
	t.Helper()
	var m dto.Metric
	if err := g.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetGauge().GetValue()
}

// TestRangeRefusesWhatDedupeForgot: a window older than the processor
// remembers event ids is refused; a dry run creates no bucket.
func TestRangeRefusesWhatDedupeForgot(t *testing.T) {
	h := newHarness(t)
	h.deps.DedupeTTL = 7 * 24 * time.Hour
	h.lister.add("old", h.now.Add(-150*time.Hour))
	opts := RangeOptions{Window: listing.Window{From: h.now.Add(-7 * 24 * time.Hour), To: h.now}, DryRun: true}
	if _, err := Range(context.Background(), h.deps, h.cfg, opts); err == nil || !strings.Contains(err.Error(), "streams.dedupe_ttl") {
		t.Fatalf("error %v, want a refusal naming streams.dedupe_ttl", err)
	}
	opts.Window.From = h.now.Add(-155 * time.Hour)
	tally, err := Range(context.Background(), h.deps, h.cfg, opts)
	if err != nil || tally.Missing != 1 {
		t.Fatalf("within the horizon: %+v, %v", tally, err)
	}
	if _, err := h.conn.JS.KeyValue(context.Background(), StateBucket); err == nil {
		t.Error("a dry run created the state bucket")
	}
}
