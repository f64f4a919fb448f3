package downloader_test

import (
	"context"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// TestStartsBeforeTheDocumentStore: a downloader started while the object
// store does not exist yet (services starting together) waits for it, then
// stores documents in it — it does not keep a store that failed to open.
func TestStartsBeforeTheDocumentStore(t *testing.T) {
	pdf := downloader.MakePDF(1)
	a := newAPIs(t, raw(pdf), nil, nil)
	e := newEnv(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.conn.JS.DeleteObjectStore(ctx, fax.DocumentBucket); err != nil {
		t.Fatal(err)
	}
	// The topology is restored off the test goroutine, which reports its
	// error to the test and is waited for, even by a test that failed.
	ensured := make(chan struct{})
	var ensureErr error
	go func() {
		defer close(ensured)
		time.Sleep(time.Second) // the downloader has tried and failed by now
		ensureErr = stream.NewTopology(config.Default().Streams).Ensure(ctx, e.conn.JS)
	}()
	t.Cleanup(func() { <-ensured })
	e.start(testConfig(), a.accounts(), a.efax)
	ev := inbound(fax.Sfax, "2150102030405000000", time.Now(), nil)
	e.publish(ev, "")
	checkStored(t, e, e.waitAnnouncements(1, 10*time.Second), ev, pdf, "application/pdf", 1)
	<-ensured
	if ensureErr != nil {
		t.Errorf("restoring the topology: %v", ensureErr)
	}
}
