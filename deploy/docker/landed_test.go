package docker

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// event is one CloudEvent of FAXPIPE_EVENTS.
type event struct {
	ID   string    `json:"id"`
	Type string    `json:"type"`
	Data fax.Event `json:"data"`
}

// reader reads what landed in the cluster, through its published port.
type reader struct{ js jetstream.JetStream }

// newReader connects to url; the connection closes in t.Cleanup.
func newReader(t *testing.T, url string) reader {
	t.Helper()
	nc, err := nats.Connect(url, nats.Name("container-suite"), nats.Timeout(5*time.Second))
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return reader{js: js}
}

// events reads every message of FAXPIPE_EVENTS.
func (r reader) events(ctx context.Context) ([]event, error) {
	var out []event
	err := r.each(ctx, stream.EventsStream, func(m *jetstream.RawStreamMsg) error {
		var e event
		if err := json.Unmarshal(m.Data, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}

// each calls fn with every message of the stream, in order.
func (r reader) each(ctx context.Context, name string, fn func(*jetstream.RawStreamMsg) error) error {
	s, err := r.js.Stream(ctx, name)
	if err != nil {
		return err
	}
	info, err := s.Info(ctx)
	if err != nil {
		return err
	}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		m, err := s.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(m); err != nil {
			return err
		}
	}
	return nil
}

// waitFor polls read until done accepts what it read, or ctx ends; it
// returns the last read.
func waitFor[T any](ctx context.Context, t *testing.T, what string, read func(context.Context) (T, error), done func(T) bool) T {
	t.Helper()
	var last T
	for {
		v, err := read(ctx)
		if err == nil {
			last = v
			if done(v) {
				return v
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last read error: %v)", what, ctx.Err(), err)
			return last
		case <-time.After(500 * time.Millisecond):
		}
	}
}
