package processor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestEventsStreamFullIsRetriedNotRejected: with FAXPIPE_EVENTS at its
// max_bytes (DiscardNew), an event cannot be stored; the raw callback is
// neither acked as processed nor rejected, however many deliveries it
// takes, and becomes its event once there is room.
func TestEventsStreamFullIsRetriedNotRejected(t *testing.T) {
	ns := streamtest.Start(t)
	streams := config.Default().Streams
	streams.Events.MaxBytes = 4 << 10
	p := &pipeline{t: t, nats: ns, conn: streamtest.Connect(t, ns, streams)}
	ctx := context.Background()
	for { // fill FAXPIPE_EVENTS with something else
		if _, err := p.conn.JS.Publish(ctx, "faxpipe.events.efax.other.fax.inbound.received", []byte(`"`+strings.Repeat("x", 512)+`"`)); err != nil {
			break
		}
	}
	filled := len(streamtest.Messages(t, p.conn.JS, fax.EventsStream))
	p.publishRaw(efaxEnvelope(t, "fax-full", efaxSecret, time.Now()))
	p.start(nil)
	deadline := time.Now().Add(20 * time.Second)
	for deliveries(t, p) < testMaxDeliver+2 {
		if time.Now().After(deadline) {
			t.Fatalf("the callback was delivered %d times in 20s, want more than max_deliver (%d)", deliveries(t, p), testMaxDeliver)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if rej := p.rejected(); len(rej) != 0 {
		t.Fatalf("a full events stream made %d rejections (%s), want the callback retried", len(rej), rej[0].Reason)
	}
	streams.Events.MaxBytes = 1 << 20
	if err := stream.NewTopology(streams).Ensure(ctx, p.conn.JS); err != nil {
		t.Fatal(err)
	}
	p.settle(20 * time.Second)
	if got := len(streamtest.Messages(t, p.conn.JS, fax.EventsStream)) - filled; got != 1 {
		t.Fatalf("%d new events once there was room, want 1", got)
	}
	if rej := p.rejected(); len(rej) != 0 {
		t.Fatalf("%d rejections, want none", len(rej))
	}
}

// deliveries is how many deliveries the processor consumer has made.
func deliveries(t *testing.T, p *pipeline) int {
	t.Helper()
	cons, err := p.conn.JS.Consumer(context.Background(), fax.RawStream, "faxpipe-processor")
	if err != nil {
		return 0
	}
	info, err := cons.Info(context.Background())
	if err != nil {
		return 0
	}
	return int(info.Delivered.Consumer)
}
