package stream_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
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
	cfg.Events.MaxAge = 10 * 24 * time.Hour
	if err := stream.NewTopology(cfg).Ensure(ctx, conn.JS); err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	tests := []struct {
		stream   string
		maxAge   time.Duration
		maxBytes config.ByteSize
		discard  jetstream.DiscardPolicy
		dupes    time.Duration
		subject  string
	}{
		{fax.RawStream, cfg.Raw.MaxAge, cfg.Raw.MaxBytes, jetstream.DiscardNew, time.Minute, "faxpipe.raw.>"},
		{fax.EventsStream, 10 * 24 * time.Hour, cfg.Events.MaxBytes, jetstream.DiscardNew, cfg.DedupeTTL, "faxpipe.events.>"},
		{fax.DocumentsStream, cfg.Documents.MaxAge, cfg.Documents.MaxBytes, jetstream.DiscardNew, cfg.DuplicateWindow, "faxpipe.documents.>"},
		{fax.RejectedStream, cfg.Rejected.MaxAge, cfg.Rejected.MaxBytes, jetstream.DiscardOld, cfg.DuplicateWindow, "faxpipe.rejected.>"},
		{fax.ForgedStream, cfg.Forged.MaxAge, cfg.Forged.MaxBytes, jetstream.DiscardOld, time.Minute, "faxpipe.forged.>"},
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
			if c.MaxBytes != int64(tc.maxBytes) || c.MaxBytes <= 0 || c.Discard != tc.discard {
				t.Errorf("max_bytes %d discard %v, want %d %v", c.MaxBytes, c.Discard, tc.maxBytes, tc.discard)
			}
			if c.Storage != jetstream.FileStorage || !c.DenyDelete {
				t.Errorf("storage %v deny_delete %v, want file storage and no single-message deletes", c.Storage, c.DenyDelete)
			}
			if tc.stream == fax.ForgedStream && (c.MaxBytes != int64(cfg.Forged.MaxBytes) || c.MaxBytes <= 0 || c.Discard != jetstream.DiscardOld || c.MaxMsgSize <= 0) {
				t.Errorf("max_bytes %d discard %v max_msg_size %d, want %d, old, bounded", c.MaxBytes, c.Discard, c.MaxMsgSize, cfg.Forged.MaxBytes)
			}
		})
	}
	obs, err := conn.JS.ObjectStore(ctx, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := obs.Status(ctx); err != nil {
		t.Fatal(err)
	} else if st.TTL() != cfg.DocumentStore.MaxAge || st.TTL() <= 0 {
		t.Errorf("document store TTL %v, want %v", st.TTL(), cfg.DocumentStore.MaxAge)
	}
	if err := stream.NewTopology(cfg).Check(ctx, conn.JS); err != nil {
		t.Errorf("Check: %v", err)
	}
	if err := conn.JS.DeleteStream(ctx, fax.RejectedStream); err != nil {
		t.Fatal(err)
	}
	if err := stream.NewTopology(cfg).Check(ctx, conn.JS); err == nil {
		t.Error("Check passed with FAXPIPE_REJECTED missing")
	}
}

// TestEnsureExplainsAStoreTooSmall: a broker whose store limit cannot hold
// the streams' max_bytes refuses to create them; Ensure says which setting
// to change.
func TestEnsureExplainsAStoreTooSmall(t *testing.T) {
	srv, err := stream.StartEmbedded(config.Embedded{Host: "127.0.0.1", Port: -1, DataDir: t.TempDir(),
		SyncInterval: time.Minute, MaxStore: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	nc, err := nats.Connect(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	err = stream.NewTopology(config.Default().Streams).Ensure(t.Context(), js) // 3.75 GiB of max_bytes
	if err == nil || !strings.Contains(err.Error(), "streams.*.max_bytes") || !strings.Contains(err.Error(), "nats.embedded.max_store") {
		t.Fatalf("Ensure on a 1 GiB store = %v, want an error naming the settings", err)
	}
}
