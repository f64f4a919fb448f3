package replay_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
	"github.com/faxpipe/faxpipe/processor"
)

// flaky is a Reprocessor whose callbacks fail transiently failures times
// each (forever when negative), then become events.
type flaky struct {
	mu       sync.Mutex
	failures int
	tries    map[uint64]int
}

var errBroker = errors.New("broker timeout")

func (f *flaky) Reprocess(_ context.Context, raw processor.Raw) (processor.Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tries[raw.Seq()]++
	if f.failures < 0 || f.tries[raw.Seq()] <= f.failures {
		return processor.Outcome{}, errBroker
	}
	return processor.Outcome{Kind: processor.Event, EventID: string(raw.Data())}, nil
}

func (f *flaky) DryRun(context.Context) (replay.Reprocessor, error) { return f, nil }

func publishRaw(t *testing.T, js jetstream.JetStream, n int) {
	t.Helper()
	for i := range n {
		if _, err := js.Publish(t.Context(), "faxpipe.raw.efax.demo", []byte{byte('a' + i)}); err != nil {
			t.Fatal(err)
		}
	}
}

func broker(t *testing.T) jetstream.JetStream {
	t.Helper()
	return streamtest.Connect(t, streamtest.Start(t), config.Default().Streams).JS
}

// TestTransientFaultsAreRetried: a callback failing transiently is tried
// again and counted by its final outcome; one that keeps failing past
// RetryFor counts as failed, with its error, and the run goes on.
func TestTransientFaultsAreRetried(t *testing.T) {
	cases := []struct {
		name           string
		failures       int
		retryFor       time.Duration
		events, failed int
	}{
		{"recovers", 2, 20 * time.Second, 3, 0},
		{"never recovers", -1, 300 * time.Millisecond, 0, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			js := broker(t)
			publishRaw(t, js, 3)
			rp := &flaky{failures: c.failures, tries: map[uint64]int{}}
			s, err := replay.Replay(t.Context(), js, rp, replay.Range{}, replay.Options{RetryFor: c.retryFor})
			if err != nil {
				t.Fatal(err)
			}
			if s.Processed != 3 || s.Events != c.events || s.Failed != c.failed {
				t.Errorf("summary %+v, want 3 processed, %d events, %d failed", s, c.events, c.failed)
			}
			if c.failed > 0 && !strings.Contains(s.FirstError, errBroker.Error()) {
				t.Errorf("first error %q, want the fault", s.FirstError)
			}
			if c.failures > 0 && rp.tries[1] != c.failures+1 {
				t.Errorf("%d tries of raw #1, want %d", rp.tries[1], c.failures+1)
			}
		})
	}
}

// TestRawOf: a rejection's raw callback is read from FAXPIPE_RAW while it
// is there, else rebuilt from the envelope the record keeps.
func TestRawOf(t *testing.T) {
	js := broker(t)
	env := &fax.Envelope{Schema: fax.EnvelopeSchema, ID: "01a2-env", Provider: fax.EFax, Account: "demo",
		ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Body: []byte(`{"fax_id":"x"}`)}
	stored, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	stored = append(stored, ' ') // the stream's bytes, told apart from a re-encoding
	if _, err := js.Publish(t.Context(), env.Subject(), stored); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		r       replay.Rejection
		data    string
		seq     uint64
		wantErr error
	}{
		{"in the raw stream", rejection(1, env, nil), string(stored), 1, nil},
		{"aged out, envelope kept", rejection(7, env, nil), strings.TrimSpace(string(stored)), 7, nil},
		{"another callback at that sequence", rejection(1, &fax.Envelope{ID: "other", Provider: fax.EFax, Account: "demo"}, nil),
			`"id":"other"`, 1, nil},
		{"aged out, bytes kept", rejection(7, nil, []byte("not json")), "not json", 7, nil},
		{"aged out, nothing kept", rejection(7, nil, nil), "", 0, replay.ErrRawGone},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, err := replay.RawOf(t.Context(), js, c.r)
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("RawOf: %v, want %v", err, c.wantErr)
			}
			if err == nil && (!strings.Contains(string(raw.Data()), c.data) || raw.Seq() != c.seq || raw.Subject() != "faxpipe.raw.efax.demo") {
				t.Errorf("raw #%d %s %q, want #%d faxpipe.raw.efax.demo containing %q", raw.Seq(), raw.Subject(), raw.Data(), c.seq, c.data)
			}
		})
	}
}

func rejection(rawSeq uint64, env *fax.Envelope, raw []byte) replay.Rejection {
	return replay.Rejection{Seq: 1, Rejected: fax.Rejected{Provider: fax.EFax, Account: "demo",
		Reason: fax.ReasonSignatureInvalid, RawSeq: rawSeq, Envelope: env, Raw: raw}}
}

// TestRejectionFilterValidate: only values faxpipe records are accepted.
func TestRejectionFilterValidate(t *testing.T) {
	cases := []struct {
		name  string
		f     replay.RejectionFilter
		valid bool
	}{
		{"empty", replay.RejectionFilter{}, true},
		{"all", replay.RejectionFilter{Provider: "sfax", Account: "a-1", Reason: fax.ReasonTokenExpired}, true},
		{"unknown reason", replay.RejectionFilter{Reason: "bad_vibes"}, false},
		{"wildcard account", replay.RejectionFilter{Account: ">"}, false},
	}
	for _, c := range cases {
		if err := c.f.Validate(); (err == nil) != c.valid {
			t.Errorf("%s: Validate = %v, want valid %v", c.name, err, c.valid)
		}
	}
}
