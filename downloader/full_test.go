package downloader_test

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// TestFullDocumentStoreWaitsForRoom: a document that does not fit in a
// full document store is not the document's fault: it is retried past
// downloader.max_deliver, never announced failed, and stored once there
// is room.
func TestFullDocumentStoreWaitsForRoom(t *testing.T) {
	pdf := downloader.MakePDF(1)
	a := newAPIs(t, raw(pdf), nil, nil)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	resize := func(maxBytes int64) {
		t.Helper()
		obs, err := e.conn.JS.ObjectStore(ctx, fax.DocumentBucket)
		if err != nil {
			t.Fatal(err)
		}
		st, err := obs.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cfg := st.(*jetstream.ObjectBucketStatus).StreamInfo().Config
		cfg.MaxBytes = maxBytes
		if _, err := e.conn.JS.UpdateStream(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	resize(int64(len(pdf) / 2)) // full for this document
	cfg := testConfig()
	cfg.MaxDeliver, cfg.RetryBudget = 2, 50*time.Millisecond
	e.start(cfg, a.accounts(), nil)
	ev := inbound(fax.Sfax, "2001", time.Now(), nil)
	e.publish(ev, "")

	cons, err := e.conn.JS.Consumer(ctx, fax.EventsStream, "faxpipe-downloader")
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 20*time.Second, "deliveries past max_deliver", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.Delivered.Consumer > uint64(cfg.MaxDeliver)+1
	})
	if anns := e.announcements(); len(anns) != 0 {
		t.Fatalf("announced %+v while the store was full, want nothing yet", anns)
	}
	resize(int64(len(pdf) * 4))
	checkStored(t, e, e.waitAnnouncements(1, 20*time.Second), ev, pdf, "application/pdf", 1)
}
