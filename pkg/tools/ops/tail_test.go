package ops_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/ops"
)

// lines is an io.Writer that tells when it holds n lines.
type lines struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	fail bool
}

func (l *lines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail {
		return 0, errors.New("broken pipe")
	}
	return l.buf.Write(p)
}

func (l *lines) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := strings.TrimSpace(l.buf.String())
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

func event(p fax.Provider, kind []string, faxID string) fax.Event {
	ev := fax.NewEvent(fax.RawMessage{Envelope: &fax.Envelope{ID: "raw", Provider: p, Account: "demo",
		ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}})
	ev.Channel, ev.Direction, ev.Outcome, ev.FaxID = fax.Channel(kind[0]), fax.Direction(kind[1]), fax.Outcome(kind[2]), faxID
	pages := 2
	ev.Pages, ev.From = &pages, fax.NewParty("13235555555", "US")
	return ev
}

// TestTail: tail prints what its filter selects from both streams, one
// line each (the stored CloudEvent with --json), from --since on; a failed
// write stops it with the error.
func TestTail(t *testing.T) {
	js := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams).JS
	received := event(fax.EFax, []string{"fax", "inbound", "received"}, "7e029808")
	for _, ev := range []fax.Event{received, event(fax.Sfax, []string{"fax", "outbound", "delivered"}, "2150102030405000000")} {
		enc, err := ev.Encode()
		if err != nil {
			t.Fatal(err)
		}
		publish(t, js, enc.Subject, enc.Data)
	}
	publish(t, js, "faxpipe.documents.efax.demo.failed", []byte(`{"specversion":"1.0","id":"d1","source":"faxpipe/efax/demo","type":"faxpipe.document.failed","subject":"7e029808","time":"2026-01-02T03:04:06Z","datacontenttype":"application/json","data":{"event_id":"`+received.ID()+`","provider":"efax","account":"demo","fax_id":"7e029808","outcome":"failed","reason":"not_found","detail":"404","attempts":3,"deliveries":1}}`))

	cases := []struct {
		name string
		args []string
		want []string // substrings, one per line, in any order
	}{
		{"everything since an hour", []string{"--since", "1h"}, []string{
			"faxpipe.fax.inbound.received   efax/demo fax_id=7e029808  2 pages  from +1323•••5555",
			"faxpipe.fax.outbound.delivered sfax/demo fax_id=2150102030405000000",
			"faxpipe.document.failed        efax/demo fax_id=7e029808  reason not_found",
		}},
		{"efax failures", []string{"--since", "1h", "--provider", "efax", "--outcome", "failed"}, []string{"faxpipe.document.failed"}},
		{"json", []string{"--since", "1h", "--outcome", "delivered", "--json"}, []string{`{"specversion":"1.0","id":"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := tailUntil(t, js, c.args, len(c.want), &lines{})
			for _, want := range c.want {
				if !anyContains(out, want) {
					t.Errorf("no line with %q in:\n%s", want, strings.Join(out, "\n"))
				}
			}
			if len(out) != len(c.want) {
				t.Errorf("%d lines, want %d:\n%s", len(out), len(c.want), strings.Join(out, "\n"))
			}
		})
	}
	t.Run("failed write", func(t *testing.T) {
		err := ops.Tail(t.Context(), js, operator, []string{"--since", "1h"}, &lines{fail: true}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "broken pipe") {
			t.Errorf("Tail = %v, want the write error", err)
		}
	})
}

func anyContains(lines []string, sub string) bool {
	for _, l := range lines {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// tailUntil runs Tail until it printed n lines, then a little longer to
// catch extra ones, and stops it.
func tailUntil(t *testing.T, js jetstream.JetStream, args []string, n int, out *lines) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	errc := make(chan error, 1)
	go func() { errc <- ops.Tail(ctx, js, operator, args, out, &bytes.Buffer{}) }()
	for len(out.lines()) < n && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // an extra line would be printed by now
	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("Tail: %v", err)
	}
	return out.lines()
}

func publish(t *testing.T, js jetstream.JetStream, subject string, data []byte) {
	t.Helper()
	msg := nats.NewMsg(subject)
	msg.Data = data
	if _, err := js.PublishMsg(t.Context(), msg); err != nil {
		t.Fatal(err)
	}
}
