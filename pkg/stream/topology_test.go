package stream_test

import (
	"context"
	"testing"
	"time"

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
		{fax.RawStream, cfg.Raw.MaxAge, time.Minute, "faxpipe.raw.>"},
		{fax.EventsStream, 48 * time.Hour, cfg.DuplicateWindow, "faxpipe.events.>"},
		{fax.DocumentsStream, cfg.Documents.MaxAge, cfg.DuplicateWindow, "faxpipe.documents.>"},
		{fax.RejectedStream, cfg.Rejected.MaxAge, cfg.DuplicateWindow, "faxpipe.rejected.>"},
		{fax.ForgedStream, cfg.Forged.MaxAge, time.Minute, "faxpipe.forged.>"},
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
			if tc.stream == fax.ForgedStream && (c.MaxBytes != int64(cfg.Forged.MaxBytes) || c.MaxBytes <= 0 || c.Discard != jetstream.DiscardOld || c.MaxMsgSize <= 0) {
				t.Errorf("max_bytes %d discard %v max_msg_size %d, want %d, old, bounded", c.MaxBytes, c.Discard, c.MaxMsgSize, cfg.Forged.MaxBytes)
			}
		})
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
