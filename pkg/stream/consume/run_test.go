package consume_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestRunHandsBackOnStop: when the service stops, a message in
// a worker's hands is finished and those fetched are handed back at once,
// not after AckWait (a delivery still on the wire may wait for it).
func TestRunHandsBackOnStop(t *testing.T) {
	ns := streamtest.Start(t)
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	ctx := context.Background()
	for i := range 10 {
		if _, err := conn.JS.Publish(ctx, "faxpipe.raw.efax.demo", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := conn.JS.CreateOrUpdateConsumer(ctx, fax.RawStream, stream.ProcessorConsumer(time.Minute, 100))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	started := make(chan struct{})
	var once sync.Once
	done := make(chan error, 1)
	go func() {
		opts := consume.Options{Workers: 1, AckWait: time.Minute}
		done <- consume.Run(runCtx, cons, opts, func(context.Context, jetstream.Msg) error {
			once.Do(func() { close(started) }) // the worker takes a message, then the service stops
			<-runCtx.Done()
			return nil
		})
	}()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("Run returned before taking a message: %v", err)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	// Every message but the acked one is available again at once (a Nak,
	// and the Ack, are sent without waiting, so allow the server a moment
	// for both), not after the minute of AckWait.
	var info *jetstream.ConsumerInfo
	const within = 10 * time.Second // a loaded machine may be slow; AckWait is a minute
	deadline := time.Now().Add(within)
	for {
		info, err = cons.Info(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if info.NumAckPending <= 1 && info.AckFloor.Stream >= 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// One delivery may be on the wire when the subscription closes; the
	// server gets it back after AckWait. Everything fetched is handed back.
	if info.NumAckPending > 1 {
		t.Errorf("%d messages still held %v after stopping, want at most the one in flight", info.NumAckPending, within)
	}
	if got := info.AckFloor.Stream; got < 1 {
		t.Errorf("ack floor %d, want the finished message acked", got)
	}
}
