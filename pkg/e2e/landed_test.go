package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// landed is what a pipeline put in its streams and object store.
type landed struct {
	events    []landedEvent
	documents []landedDocument
	rejected  uint64
}

// landedEvent is one message of FAXPIPE_EVENTS.
type landedEvent struct {
	Subject   string
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Time      time.Time `json:"time"`
	Data      fax.Event `json:"data"`
	Published time.Time // when the stream stored it
}

// landedDocument is one message of FAXPIPE_DOCUMENTS, with the SHA-256 of
// the stored object's bytes as read back (empty unless stored).
type landedDocument struct {
	Subject    string
	Data       fax.DocumentAnnouncement `json:"data"`
	ReadSHA256 string
	Published  time.Time
}

// connect connects to url for reading; closed in t.Cleanup.
func connect(t testing.TB, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.Name("e2e-reader"), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// readLanded reads every stream message and stored document.
func readLanded(t testing.TB, js jetstream.JetStream) landed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var l landed
	for _, m := range readStream(ctx, t, js, fax.EventsStream) {
		var e landedEvent
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatalf("event %s: %v", m.Subject(), err)
		}
		e.Subject, e.Published = m.Subject(), metaTime(m)
		l.events = append(l.events, e)
	}
	obs, err := js.ObjectStore(ctx, fax.DocumentBucket)
	if err != nil {
		t.Fatalf("object store: %v", err)
	}
	for _, m := range readStream(ctx, t, js, fax.DocumentsStream) {
		var d landedDocument
		if err := json.Unmarshal(m.Data(), &d); err != nil {
			t.Fatalf("document %s: %v", m.Subject(), err)
		}
		d.Subject, d.Published = m.Subject(), metaTime(m)
		if d.Data.Outcome == fax.DocumentStored {
			d.ReadSHA256 = objectSHA256(ctx, t, obs, d.Data.Object)
		}
		l.documents = append(l.documents, d)
	}
	l.rejected = streamMessages(ctx, t, js, fax.RejectedStream)
	return l
}

// readStream returns every message of name, in order.
func readStream(ctx context.Context, t testing.TB, js jetstream.JetStream, name string) []jetstream.Msg {
	t.Helper()
	// A cluster just recovered from its faults (a loaded machine slows
	// that) may not answer every request yet ("no responders"): read again
	// from the start until ctx ends.
	for {
		msgs, err := readStreamOnce(ctx, js, name)
		if err == nil {
			return msgs
		}
		select {
		case <-ctx.Done():
			t.Fatal(err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func readStreamOnce(ctx context.Context, js jetstream.JetStream, name string) ([]jetstream.Msg, error) {
	s, err := js.Stream(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	n := info.State.Msgs
	if n == 0 {
		return nil, nil
	}
	c, err := js.OrderedConsumer(ctx, name, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	msgs := make([]jetstream.Msg, 0, n)
	for uint64(len(msgs)) < n {
		batch, err := c.Fetch(int(min(n-uint64(len(msgs)), 500)), jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		got := 0
		for m := range batch.Messages() {
			msgs = append(msgs, m)
			got++
		}
		if got == 0 {
			return nil, fmt.Errorf("%s: read %d of %d messages: %w", name, len(msgs), n, batch.Error())
		}
	}
	return msgs, nil
}

func streamMessages(ctx context.Context, t testing.TB, js jetstream.JetStream, name string) uint64 {
	t.Helper()
	s, err := js.Stream(ctx, name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return info.State.Msgs
}

func objectSHA256(ctx context.Context, t testing.TB, obs jetstream.ObjectStore, name string) string {
	t.Helper()
	r, err := obs.Get(ctx, name)
	if err != nil {
		t.Errorf("object %s: %v", name, err)
		return ""
	}
	defer func() { _ = r.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil && !errors.Is(err, io.EOF) {
		t.Errorf("object %s: %v", name, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func metaTime(m jetstream.Msg) time.Time {
	md, err := m.Metadata()
	if err != nil {
		return time.Time{}
	}
	return md.Timestamp
}
