package stream_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestPublisherRefusesAnotherStreamsAck: a message that a stream other
// than the publisher's stored (a broker whose streams were set up by hand)
// is not published as far as the caller knows, and says why; with the
// topology in place the same publish succeeds.
func TestPublisherRefusesAnotherStreamsAck(t *testing.T) {
	ns := streamtest.Start(t)
	conn, err := stream.Connect(ns.URL(), config.Default().NATS, "test", zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(time.Second) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	handmade, err := conn.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "HANDMADE", Subjects: []string{"faxpipe.raw.>"}, Storage: jetstream.MemoryStorage})
	if err != nil {
		t.Fatal(err)
	}
	pub := stream.NewPublisher(conn, fax.RawStream)
	msg := func() *nats.Msg { return &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte(`{}`)} }
	if _, err := pub.Publish(ctx, msg()); !errors.Is(err, stream.ErrWrongStream) {
		t.Fatalf("publish into HANDMADE: error %v, want ErrWrongStream", err)
	}

	if err := conn.JS.DeleteStream(ctx, handmade.CachedInfo().Config.Name); err != nil {
		t.Fatal(err)
	}
	if err := stream.NewTopology(config.Default().Streams).Ensure(ctx, conn.JS); err != nil {
		t.Fatal(err)
	}
	seq, err := pub.Publish(ctx, msg())
	if err != nil || seq != 1 {
		t.Fatalf("publish into %s: seq %d, error %v; want seq 1", fax.RawStream, seq, err)
	}
}
