package processor_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
)

// TestPublishedButUnackedIsOneEvent covers a crash between publishing an
// event and acknowledging its raw message: the redelivered raw message
// publishes again, and FAXPIPE_EVENTS, whose duplicate window is the dedupe
// horizon, drops it and says so — one event, and a dedupe hit.
func TestPublishedButUnackedIsOneEvent(t *testing.T) {
	p := newPipeline(t)
	env := efaxEnvelope(t, "published-before-crash", efaxSecret, time.Now().UTC())
	ev := normalized(t, env)
	publishEvent(t, p, ev) // what the crashed processor got out
	p.publishRaw(env)      // its raw message, redelivered
	r := p.start(nil)
	p.settle(20 * time.Second)
	if got := len(p.events()); got != 1 {
		t.Errorf("%d events, want 1", got)
	}
	if got := len(p.rejected()); got != 0 {
		t.Errorf("%d rejections, want none", got)
	}
	if got := r.counter(t, "faxpipe_processor_dedupe_hits_total"); got != 1 {
		t.Errorf("dedupe hits = %v, want 1", got)
	}
}

// normalized is the event env normalizes to.
func normalized(t *testing.T, env *fax.Envelope) fax.Event {
	t.Helper()
	adapters, err := provider.NewNormalizers(accounts(), digester(t))
	if err != nil {
		t.Fatal(err)
	}
	ev, err := adapters.Normalize(fax.RawMessage{Envelope: env})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

// publishEvent puts ev on FAXPIPE_EVENTS as the processor does.
func publishEvent(t *testing.T, p *pipeline, ev fax.Event) {
	t.Helper()
	enc, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	msg := nats.NewMsg(enc.Subject)
	msg.Data = enc.Data
	msg.Header.Set(jetstream.MsgIDHeader, enc.ID)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := p.conn.JS.PublishMsg(ctx, msg); err != nil {
		t.Fatal(err)
	}
}
