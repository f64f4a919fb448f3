package stream_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestBatcherStoresEachMessageOnceInBatches: many goroutines publishing at
// once each get the acknowledgement of their own message, every message is
// stored exactly once, and they went out in fewer batches than messages.
func TestBatcherStoresEachMessageOnceInBatches(t *testing.T) {
	conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
	b := stream.NewBatcher(conn.NC, stream.DefaultPublishLimits)
	const workers, each = 64, 20
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seqs := make([][]uint64, workers)
	errs := make(chan error, workers*each)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				msg := &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: fmt.Appendf(nil, "%d/%d", w, i)}
				ack, err := b.Publish(ctx, msg)
				if err != nil {
					errs <- err
					return
				}
				if ack.Stream != fax.RawStream {
					errs <- fmt.Errorf("acknowledged by %q", ack.Stream)
				}
				seqs[w] = append(seqs[w], ack.Sequence)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	// Each acknowledgement names the sequence of its own message.
	stored := map[uint64]string{}
	for _, m := range streamtest.Messages(t, conn.JS, fax.RawStream) {
		stored[m.Sequence] = string(m.Data)
	}
	if len(stored) != workers*each {
		t.Fatalf("stream holds %d messages, want %d", len(stored), workers*each)
	}
	for w, ss := range seqs {
		for i, seq := range ss {
			if got, want := stored[seq], fmt.Sprintf("%d/%d", w, i); got != want {
				t.Fatalf("sequence %d acknowledged to message %s holds %q", seq, want, got)
			}
		}
	}
	if n := b.Batches(); n > workers*each*3/4 {
		t.Errorf("%d messages went out in %d batches: hardly batched", workers*each, n)
	} else {
		t.Logf("%d messages in %d batches", workers*each, n)
	}
}

// TestBatcherPassesHeadersAndRefusals: the message's headers reach the
// broker, its refusal reaches the caller as the API error it is, and a
// repeated Nats-Msg-Id is acknowledged as a duplicate.
func TestBatcherPassesHeadersAndRefusals(t *testing.T) {
	conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
	b := stream.NewBatcher(conn.NC, stream.DefaultPublishLimits)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := func(header, value string) *nats.Msg {
		m := nats.NewMsg(fax.RawSubject("efax", "demo"))
		m.Data = []byte("x")
		m.Header.Set(header, value)
		return m
	}
	_, err := b.Publish(ctx, msg(jetstream.ExpectedStreamHeader, fax.EventsStream))
	var apiErr *jetstream.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode != 10060 { // nats-server's JSStreamNotMatchErr
		t.Fatalf("publish expecting another stream: error %v, want the broker's API error", err)
	}
	first, err := b.Publish(ctx, msg(jetstream.MsgIDHeader, "one"))
	if err != nil || first.Duplicate || first.Stream != fax.RawStream || first.Sequence == 0 {
		t.Fatalf("first publish of id one: %+v, %v", first, err)
	}
	again, err := b.Publish(ctx, msg(jetstream.MsgIDHeader, "one"))
	if err != nil || !again.Duplicate || again.Sequence != first.Sequence {
		t.Fatalf("second publish of id one: %+v, %v; want a duplicate of sequence %d", again, err, first.Sequence)
	}
}

// TestBatcherDropsWhatItsCallerGaveUpOn: a message whose caller's context
// ended before it went out is not stored behind the caller's back, and the
// caller hears why; the Batcher goes on serving others.
func TestBatcherDropsWhatItsCallerGaveUpOn(t *testing.T) {
	conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
	b := stream.NewBatcher(conn.NC, stream.DefaultPublishLimits)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := b.Publish(gone, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("abandoned")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("publish with an ended context: error %v, want context.Canceled", err)
	}
	ctx, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	onlyKept(ctx, t, b, conn)
}

// TestBatcherFailsFastWithoutBroker: with the broker gone a publish fails
// at once, and publishes work again once it is back.
func TestBatcherFailsFastWithoutBroker(t *testing.T) {
	ns := streamtest.Start(t)
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	b := stream.NewBatcher(conn.NC, stream.DefaultPublishLimits)
	ns.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := b.Publish(ctx, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("x")}); err == nil {
		t.Fatal("publish without a broker succeeded")
	}
	// Refused by the client at once, not after its 3 s timeout.
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("publish without a broker took %v", waited)
	}
	ns.Restart()
	for {
		ack, err := b.Publish(ctx, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("y")})
		if err == nil {
			if ack.Stream != fax.RawStream {
				t.Fatalf("acknowledged by %q", ack.Stream)
			}
			return
		}
		if ctx.Err() != nil {
			t.Fatalf("no publish succeeded within 20 s of the broker's return: %v", err)
		}
		time.Sleep(50 * time.Millisecond) // reconnecting
	}
}

// TestBatcherDoesNotSendWhatTimedOut: a message whose acknowledgement
// timed out before the sender took it is not sent behind its caller's
// back (its caller was told it failed), and the Batcher goes on.
func TestBatcherDoesNotSendWhatTimedOut(t *testing.T) {
	conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
	b := stream.NewBatcher(conn.NC, stream.PublishLimits{MaxPending: 8, Timeout: 100 * time.Millisecond})
	timedOut := make(chan struct{})
	var once sync.Once
	stream.BeforeBatch(b, func() { once.Do(func() { <-timedOut }) }) // the first batch waits for its caller's timeout
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := b.Publish(ctx, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("late")}); !errors.Is(err, jetstream.ErrAsyncPublishTimeout) {
		t.Fatalf("publish held past its timeout: error %v, want ErrAsyncPublishTimeout", err)
	}
	close(timedOut)
	onlyKept(ctx, t, b, conn)
}

// onlyKept publishes a message "kept" with b and fails t unless it is
// acknowledged and the only message FAXPIPE_RAW holds.
func onlyKept(ctx context.Context, t *testing.T, b *stream.Batcher, conn *stream.Conn) {
	t.Helper()
	ack, err := b.Publish(ctx, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("kept")})
	if err != nil {
		t.Fatal(err)
	}
	msgs := streamtest.Messages(t, conn.JS, fax.RawStream)
	if len(msgs) != 1 || string(msgs[0].Data) != "kept" || ack.Sequence != msgs[0].Sequence {
		t.Fatalf("stream holds %d messages %v, want only the kept one", len(msgs), datas(msgs))
	}
}

// datas is the data of msgs, for failure messages.
func datas(msgs []*jetstream.RawStreamMsg) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = string(m.Data)
	}
	return out
}

// TestBatcherFullWindowDoesNotQueueCallers: when as many messages as the
// limits allow wait for their acknowledgements, each further caller waits
// for room on its own, at once, and is refused after the stall wait; they
// are not made to wait one after the other behind the sender. A message
// whose acknowledgement never comes times out and frees its room.
func TestBatcherFullWindowDoesNotQueueCallers(t *testing.T) {
	conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
	// A subscriber that never answers holds the one publish allowed in
	// flight until its acknowledgement times out.
	reached := make(chan struct{}, 1)
	if _, err := conn.NC.Subscribe("hold.>", func(*nats.Msg) { reached <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	b := stream.NewBatcher(conn.NC, stream.PublishLimits{MaxPending: 1, Timeout: 5 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	held := make(chan error, 1)
	start := time.Now()
	go func() {
		_, err := b.Publish(ctx, &nats.Msg{Subject: "hold.it", Data: []byte("x")})
		held <- err
	}()
	select {
	case <-reached:
	case <-time.After(5 * time.Second):
		t.Fatal("the held publish never went out")
	}

	// Each caller waits the stall wait (200 ms); one after the other, 20
	// of them would take 4 s.
	const callers = 20
	refusing := time.Now()
	errs := make(chan error, callers)
	for range callers {
		go func() {
			_, err := b.Publish(ctx, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("y")})
			errs <- err
		}()
	}
	for range callers {
		if err := <-errs; !errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
			t.Fatalf("publish with the window full: error %v, want ErrTooManyStalledMsgs", err)
		}
	}
	if took := time.Since(refusing); took > 3*time.Second {
		t.Fatalf("%d callers refused for a full window took %v in all: they waited in turn", callers, took)
	}
	if err := <-held; !errors.Is(err, jetstream.ErrAsyncPublishTimeout) {
		t.Fatalf("held publish: error %v, want its acknowledgement to time out", err)
	}
	if waited := time.Since(start); waited < 5*time.Second {
		t.Fatalf("held publish timed out after %v, before its 5 s", waited)
	}
	if _, err := b.Publish(ctx, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("z")}); err != nil {
		t.Fatalf("publish once the window has room: %v", err)
	}
}

// TestBatcherRetriesWhatNoStreamAnswered: a message no stream takes is
// sent again twice, 250 ms apart, as nats.go does while a stream's leader
// moves, and then fails as no stream's; the Batcher then serves others.
func TestBatcherRetriesWhatNoStreamAnswered(t *testing.T) {
	conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
	b := stream.NewBatcher(conn.NC, stream.DefaultPublishLimits)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if _, err := b.Publish(ctx, &nats.Msg{Subject: "nobody.listens", Data: []byte("x")}); !errors.Is(err, jetstream.ErrNoStreamResponse) {
		t.Fatalf("publish to a subject no stream takes: error %v, want ErrNoStreamResponse", err)
	}
	if took := time.Since(start); took < 500*time.Millisecond {
		t.Fatalf("refused after %v: it was not sent again twice, 250 ms apart", took)
	}
	if _, err := b.Publish(ctx, &nats.Msg{Subject: fax.RawSubject("efax", "demo"), Data: []byte("y")}); err != nil {
		t.Fatal(err)
	}
}

// TestBatcherFailsWaitingMessagesWhenTheConnectionDrops: a message whose
// acknowledgement can no longer come, its connection lost, fails at once
// as disconnected instead of waiting out its timeout.
func TestBatcherFailsWaitingMessagesWhenTheConnectionDrops(t *testing.T) {
	ns := streamtest.Start(t)
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	reached := make(chan struct{}, 1)
	if _, err := conn.NC.Subscribe("hold.>", func(*nats.Msg) { reached <- struct{}{} }); err != nil {
		t.Fatal(err)
	}
	b := stream.NewBatcher(conn.NC, stream.PublishLimits{MaxPending: 8, Timeout: time.Minute})
	held := make(chan error, 1)
	go func() {
		_, err := b.Publish(context.Background(), &nats.Msg{Subject: "hold.it", Data: []byte("x")})
		held <- err
	}()
	select {
	case <-reached:
	case <-time.After(5 * time.Second):
		t.Fatal("the held publish never went out")
	}
	ns.Stop()
	select {
	case err := <-held:
		if !errors.Is(err, nats.ErrDisconnected) {
			t.Fatalf("held publish: error %v, want ErrDisconnected", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the held publish still waits 10 s after its connection dropped")
	}
}
