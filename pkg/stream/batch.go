package stream

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Batcher publishes the messages of many goroutines to JetStream in
// batches, each one write to the broker, and lets each goroutine wait for
// its own acknowledgement. It is safe for concurrent use; its zero value
// is not usable (NewBatcher).
//
// Why: a goroutine that publishes and then waits for the acknowledgement
// hands the processor to nats.go's flusher right away, so under load every
// publish is its own write to the socket, its own read and store round at
// the broker and its own acknowledgement write back: up to four system
// calls a message, a large share of a callback's cost (README
// "Performance").
// A Batcher instead sends from one goroutine that, before each batch,
// yields once to the goroutines that are ready to run: under load they
// queue their messages meanwhile, and the batch goes out in one write, is
// read in one read and acknowledged in one write. An idle process has
// nothing else ready, so the yield returns at once and a lone message is
// not delayed; no timer is involved.
//
// The guarantees are a publish's: a message is stored once the broker
// acknowledges it, and any error means it may not be stored.
type Batcher struct {
	js jetstream.JetStream

	mu      sync.Mutex
	queue   []*pending // waiting for the next batch
	sending bool       // a goroutine runs send

	batches atomic.Int64 // sent so far, for tests
}

// pending is one message in a Batcher's queue. Its goroutine waits on
// sent, which the sending goroutine signals once the client holds the
// message (fut) or refused it (err).
type pending struct {
	ctx  context.Context
	msg  *nats.Msg
	opts []jetstream.PublishOpt
	fut  jetstream.PubAckFuture
	err  error
	sent chan struct{} // buffered: the sender never blocks on it
}

var pendings = sync.Pool{New: func() any { return &pending{sent: make(chan struct{}, 1)} }}

// NewBatcher returns a Batcher publishing with js.
func NewBatcher(js jetstream.JetStream) *Batcher { return &Batcher{js: js} }

// Publish sends msg with opts in the next batch and blocks until the
// stream acknowledged it, the broker or client refused it, or ctx ended.
// An acknowledgement that never comes ends with the JetStream context's
// async publish timeout (jetstream.WithPublishAsyncTimeout) or ctx.
func (b *Batcher) Publish(ctx context.Context, msg *nats.Msg, opts ...jetstream.PublishOpt) (*jetstream.PubAck, error) {
	p := pendings.Get().(*pending)
	p.ctx, p.msg, p.opts = ctx, msg, opts
	b.mu.Lock()
	b.queue = append(b.queue, p)
	start := !b.sending
	b.sending = true
	b.mu.Unlock()
	if start {
		go b.send()
	}
	select {
	case <-p.sent:
	case <-ctx.Done():
		// p stays with the sender, which skips it (its ctx has ended) or
		// has just sent it; it is not reused.
		return nil, ctx.Err()
	}
	fut, err := p.fut, p.err
	*p = pending{sent: p.sent}
	pendings.Put(p)
	if errors.Is(err, jetstream.ErrTooManyStalledMsgs) {
		// The client holds as many unacknowledged publishes as it may
		// (ingress.max_pending): wait for room here, beside the other
		// callers, as a publish does, rather than in the sender in front
		// of the whole batch.
		fut, err = b.js.PublishMsgAsync(msg, opts...)
	}
	if err != nil {
		return nil, err
	}
	select {
	case ack := <-fut.Ok():
		return ack, nil
	case err := <-fut.Err():
		return nil, err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// noStall makes the client refuse at once a publish it has no room for
// (see Publish).
var noStall = jetstream.WithStallWait(time.Nanosecond)

// withoutStall is opts with noStall.
func withoutStall(opts []jetstream.PublishOpt) []jetstream.PublishOpt {
	return append(opts[:len(opts):len(opts)], noStall)
}

// send hands the queued messages to the client batch after batch, each
// after a yield, until the queue is empty.
func (b *Batcher) send() {
	var batch []*pending
	for {
		// Let the goroutines that are ready to run queue their messages:
		// under load this is what makes a batch more than one message.
		runtime.Gosched()
		b.mu.Lock()
		batch, b.queue = b.queue, batch[:0]
		if len(batch) == 0 {
			b.sending = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.batches.Add(1)
		for i, p := range batch {
			if err := p.ctx.Err(); err != nil {
				p.err = err // its goroutine has given up: do not store it behind its back
			} else {
				p.fut, p.err = b.js.PublishMsgAsync(p.msg, withoutStall(p.opts)...)
			}
			p.sent <- struct{}{}
			batch[i] = nil
		}
	}
}
