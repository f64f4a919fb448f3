package stream_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestEnsureIsIdempotentAndFollowsConfig: Ensure creates the topology, can
// run again (as every replica does at start), and applies changed limits.
func TestEnsureIsIdempotentAndFollowsConfig(t *testing.T) {
	ns := streamtest.Start(t)
	cfg := config.Default().Streams
	conn := streamtest.Connect(t, ns, cfg) // the first Ensure
	ctx := context.Background()
	cfg.Events.MaxAge = 48 * time.Hour
	if err := stream.NewTopology(cfg).Ensure(ctx, conn.JS); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	tests := []struct {
		stream  string
		maxAge  time.Duration
		dupes   time.Duration
		subject string
	}{
		{stream.RawStream, cfg.Raw.MaxAge, time.Minute, "faxpipe.raw.>"},
		{stream.EventsStream, 48 * time.Hour, cfg.DuplicateWindow, "faxpipe.events.>"},
		{stream.DocumentsStream, cfg.Documents.MaxAge, cfg.DuplicateWindow, "faxpipe.documents.>"},
		{stream.RejectedStream, cfg.Rejected.MaxAge, cfg.DuplicateWindow, "faxpipe.rejected.>"},
	}
	for _, tc := range tests {
		t.Run(tc.stream, func(t *testing.T) {
			st, err := conn.JS.Stream(ctx, tc.stream)
			if err != nil {
				t.Fatal(err)
			}
			c := st.CachedInfo().Config
			if c.MaxAge != tc.maxAge || c.Duplicates != tc.dupes || len(c.Subjects) != 1 || c.Subjects[0] != tc.subject {
				t.Errorf("max_age %v duplicates %v subjects %v, want %v %v [%s]", c.MaxAge, c.Duplicates, c.Subjects, tc.maxAge, tc.dupes, tc.subject)
			}
			if c.Storage != jetstream.FileStorage || !c.DenyDelete {
				t.Errorf("storage %v deny_delete %v, want file storage and no single-message deletes", c.Storage, c.DenyDelete)
			}
		})
	}
	if err := stream.NewTopology(cfg).Check(ctx, conn.JS); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := conn.JS.DeleteStream(ctx, stream.RejectedStream); err != nil {
		t.Fatal(err)
	}
	if err := stream.NewTopology(cfg).Check(ctx, conn.JS); err == nil {
		t.Error("Check passed with FAXPIPE_REJECTED missing")
	}
}

// TestConsumeWorkersHandsBackOnStop: when the service stops, a message in
// a worker's hands is finished and the rest are handed back at once, not
// after AckWait.
func TestConsumeWorkersHandsBackOnStop(t *testing.T) {
	ns := streamtest.Start(t)
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	ctx := context.Background()
	for i := range 10 {
		if _, err := conn.JS.Publish(ctx, "faxpipe.raw.efax.demo", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := conn.JS.CreateOrUpdateConsumer(ctx, stream.RawStream, stream.ProcessorConsumer(time.Minute, 100))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	started := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		done <- stream.ConsumeWorkers(runCtx, cons, 1, time.Minute, func(m jetstream.Msg) {
			once.Do(func() { close(started) }) // the worker takes a message, then the service stops
			<-runCtx.Done()
			_ = m.Ack()
		}, func(error) {})
	}()
	<-started
	stop()
	if err := <-done; err != nil {
		t.Fatalf("ConsumeWorkers: %v", err)
	}
	// Every message but the acked one is available again right away.
	info, err := cons.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.NumAckPending != 0 {
		t.Errorf("%d messages still held after stopping, want 0 (handed back)", info.NumAckPending)
	}
	if got := info.AckFloor.Stream; got < 1 {
		t.Errorf("ack floor %d, want the finished message acked", got)
	}
}
