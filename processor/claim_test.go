package processor_test

import (
	"context"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// TestClaimedButUnpublishedEventIsPublished covers a crash between claiming
// an event id and publishing the event: a claim younger than the duplicate
// window does not hide the event, while an older one is a duplicate.
func TestClaimedButUnpublishedEventIsPublished(t *testing.T) {
	window := config.Default().Streams.DuplicateWindow
	for _, tc := range []struct {
		name       string
		clockAhead time.Duration // how old the claim looks to the processor
		wantEvents int
	}{
		{"fresh claim: the crashed publish is done now", 0, 1},
		{"claim older than the duplicate window: a duplicate", window + time.Minute, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newPipeline(t)
			now := time.Now().UTC()
			env := efaxEnvelope(t, "claimed-before-crash", efaxSecret, now)
			claim(t, p, eventID(t, env))
			p.now = func() time.Time { return time.Now().Add(tc.clockAhead) }
			p.publishRaw(env)
			p.start(nil)
			p.settle(20 * time.Second)
			if got := len(p.events()); got != tc.wantEvents {
				t.Errorf("%d events, want %d", got, tc.wantEvents)
			}
			if got := len(p.rejected()); got != 0 {
				t.Errorf("%d rejections, want none", got)
			}
		})
	}
}

// eventID is the id of the event env normalizes to.
func eventID(t *testing.T, env *fax.Envelope) string {
	t.Helper()
	adapters, err := provider.NewAdapters(accounts(), digester(t))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := adapters.Normalize(fax.RawMessage{Envelope: env})
	if err != nil {
		t.Fatal(err)
	}
	return ev.ID()
}

// claim puts id in the dedupe bucket, as a processor that crashed right
// after claiming would have left it.
func claim(t *testing.T, p *pipeline, id string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	kv, err := p.conn.JS.KeyValue(ctx, stream.DedupeBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Create(ctx, id, []byte("claimed")); err != nil {
		t.Fatal(err)
	}
}
