package stream

import (
	"context"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// PublishLimits bound the publishes of a Batcher.
type PublishLimits struct {
	// MaxPending is how many messages may be sent and not yet acknowledged;
	// a publish beyond it waits for room up to StallWait, then fails with
	// jetstream.ErrTooManyStalledMsgs (the ingress answers 503).
	MaxPending int
	// Timeout is how long a publish waits for its acknowledgement before it
	// fails with jetstream.ErrAsyncPublishTimeout.
	Timeout time.Duration
}

// PublishLimitsOf are the publish limits the configuration sets:
// ingress.max_pending and ingress.publish_timeout, which bound every
// service's publishes.
func PublishLimitsOf(in config.Ingress) PublishLimits {
	return PublishLimits{MaxPending: in.MaxPending, Timeout: in.PublishTimeout}
}

// DefaultPublishLimits are the limits of the default configuration, a
// connection's until its user sets others.
var DefaultPublishLimits = PublishLimitsOf(config.Default().Ingress)

// The waits of a publish, as nats.go's asynchronous publishes have them:
// for room in a full window, and before each of the retries of a message
// no stream answered (a stream's leader moving).
const (
	stallWait             = 200 * time.Millisecond
	noResponderRetryWait  = 250 * time.Millisecond
	noResponderRetryLimit = 2
)

// Batcher publishes the messages of many goroutines to JetStream in
// batches, each one write to the broker, and lets each goroutine wait for
// its own acknowledgement. It is safe for concurrent use; its zero value
// is not usable (NewBatcher).
//
// Why batches: a goroutine that publishes and then waits for the
// acknowledgement hands the processor to nats.go's flusher right away, so
// under load every publish is its own write to the socket, its own read
// and store round at the broker and its own acknowledgement write back: up
// to four system calls a message, a large share of a callback's cost
// (README "Performance"). A Batcher instead sends from one goroutine
// that, before each batch, yields once to the goroutines that are ready to
// run (again while they bring messages, a few times at most): under load
// they queue their messages meanwhile, and the batch goes out in one
// write, is read in one read and acknowledged in one write. An idle
// process has nothing else ready, so the yields return at once and a lone
// message is not delayed; no timer is involved.
//
// Why its own acknowledgements: the acknowledgements come back on one
// subscription of the Batcher's, each to the goroutine waiting for it,
// decoded without reflection (parseAck). nats.go's asynchronous publish
// does the same with a future, a timer and an encoding/json decoding per
// message, under a lock all acknowledgements share: a few microseconds a
// message, as much as the rest of an ingress's work on a callback.
//
// The guarantees are a publish's: a message is stored once the broker
// acknowledges it, and any error means it may not be stored.
type Batcher struct {
	nc     *nats.Conn
	limits PublishLimits
	window chan struct{} // a token for each message sent and not yet answered

	mu      sync.Mutex
	queue   []*pending // waiting for the next batch
	sending bool       // a goroutine runs send

	acks    sync.Mutex
	inbox   string // acknowledgements come to inbox + id, one subscription
	sub     *nats.Subscription
	next    uint64
	waiting map[uint64]*pending // sent or queued, not yet answered

	stream string // the last acknowledging stream's name, reused (handleAck's only)

	batches     atomic.Int64 // sent so far, for tests
	beforeBatch func()       // for tests: runs as the sender takes a batch
}

// pending is one message between its Publish and its answer. Exactly one
// goroutine answers it on done: the one that takes it out of waiting (the
// acknowledgement's handler, the sender when the client refuses it, the
// connection's watcher when the connection is lost).
type pending struct {
	ctx     context.Context
	msg     *nats.Msg
	id      uint64
	retries int
	done    chan result // buffered: whoever answers never blocks
	timer   *time.Timer
}

type result struct {
	ack jetstream.PubAck
	err error
	// done says the sender holds the pending no longer: the answer came
	// from the broker or from the sender itself, so it may be reused.
	done bool
}

var pendings = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pending{done: make(chan result, 1), timer: t}
}}

// NewBatcher returns a Batcher publishing on nc within limits.
func NewBatcher(nc *nats.Conn, limits PublishLimits) *Batcher {
	if limits.MaxPending <= 0 {
		limits.MaxPending = DefaultPublishLimits.MaxPending
	}
	if limits.Timeout <= 0 {
		limits.Timeout = DefaultPublishLimits.Timeout
	}
	return &Batcher{nc: nc, limits: limits, window: make(chan struct{}, limits.MaxPending), waiting: map[uint64]*pending{}}
}

// Publish sends msg in the next batch, with its Reply set to the
// Batcher's, and blocks until the stream acknowledged it, the broker or
// client refused it, its acknowledgement timed out (PublishLimits), or
// ctx ended. The broker's refusal is a *jetstream.APIError.
func (b *Batcher) Publish(ctx context.Context, msg *nats.Msg) (jetstream.PubAck, error) {
	if err := b.acquire(ctx); err != nil {
		return jetstream.PubAck{}, err
	}
	p := pendings.Get().(*pending)
	p.ctx, p.msg, p.retries = ctx, msg, 0
	if err := b.register(p); err != nil {
		b.release()
		return jetstream.PubAck{}, err
	}
	b.enqueue(p)
	p.timer.Reset(b.limits.Timeout)
	select {
	case r := <-p.done:
		p.timer.Stop()
		if r.done {
			*p = pending{done: p.done, timer: p.timer}
			pendings.Put(p)
		}
		return r.ack, r.err
	case <-ctx.Done():
		p.timer.Stop()
		return b.abandon(p, ctx.Err())
	case <-p.timer.C:
		return b.abandon(p, jetstream.ErrAsyncPublishTimeout)
	}
}

// acquire takes a token of the window, waiting up to stallWait for one.
func (b *Batcher) acquire(ctx context.Context) error {
	select {
	case b.window <- struct{}{}:
		return nil
	default:
	}
	t := time.NewTimer(stallWait)
	defer t.Stop()
	select {
	case b.window <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return jetstream.ErrTooManyStalledMsgs
	}
}

func (b *Batcher) release() { <-b.window }

// register gives p an id, its message the reply subject of that id, and
// puts it among the waiting; the first registers the subscription.
func (b *Batcher) register(p *pending) error {
	b.acks.Lock()
	defer b.acks.Unlock()
	if b.sub == nil || !b.sub.IsValid() {
		inbox := b.nc.NewInbox() + "."
		sub, err := b.nc.Subscribe(inbox+"*", b.handleAck)
		if err != nil {
			return err
		}
		if b.sub == nil {
			go b.watch(b.nc.StatusChanged(nats.RECONNECTING, nats.CLOSED))
		}
		b.inbox, b.sub = inbox, sub
	}
	b.next++
	p.id = b.next
	b.waiting[p.id] = p
	p.msg.Reply = b.inbox + strconv.FormatUint(p.id, 36)
	return nil
}

// answer takes p, registered as id, out of waiting and answers it with r,
// unless another goroutine did so first. It reports whether it answered.
func (b *Batcher) answer(id uint64, p *pending, r result) bool {
	b.acks.Lock()
	if b.waiting[id] != p {
		b.acks.Unlock()
		return false
	}
	delete(b.waiting, id)
	b.acks.Unlock()
	b.deliver(p, r)
	return true
}

// deliver gives p, just taken out of waiting, its answer r and frees its
// room in the window.
func (b *Batcher) deliver(p *pending, r result) {
	b.release()
	p.done <- r
}

// waits reports whether p, registered as id, still waits for its answer.
func (b *Batcher) waits(id uint64, p *pending) bool {
	b.acks.Lock()
	defer b.acks.Unlock()
	return b.waiting[id] == p
}

// abandon ends a Publish that stopped waiting with err, unless its answer
// came meanwhile. The message may still be in the sender's hands, so p is
// not reused.
func (b *Batcher) abandon(p *pending, err error) (jetstream.PubAck, error) {
	if !b.answer(p.id, p, result{err: err}) {
		// Answered just now by another goroutine: that answer stands.
		r := <-p.done
		return r.ack, r.err
	}
	return jetstream.PubAck{}, err
}

// enqueue puts p in the next batch, starting the sender if none runs.
func (b *Batcher) enqueue(p *pending) {
	b.mu.Lock()
	b.queue = append(b.queue, p)
	start := !b.sending
	b.sending = true
	b.mu.Unlock()
	if start {
		go b.send()
	}
}

// maxYields bounds the yields before a batch (send).
const maxYields = 4

// send hands the queued messages to the client batch after batch until
// the queue is empty. Before each batch it yields to the goroutines that
// are ready to run, again while a yield brought new messages, up to
// maxYields times: under load this is what makes a batch more than one
// message (with one yield a batch, the ingress ran at 0.96-0.97 of the
// floor; yielding while messages come, at 1.00). An idle process has
// nothing else ready: two yields return at once and the message goes.
func (b *Batcher) send() {
	var batch []*pending
	for {
		for i, n := 0, -1; i < maxYields; i++ {
			runtime.Gosched()
			b.mu.Lock()
			queued := len(b.queue)
			b.mu.Unlock()
			if queued == n {
				break
			}
			n = queued
		}
		b.mu.Lock()
		batch, b.queue = b.queue, batch[:0]
		if len(batch) == 0 {
			b.sending = false
			b.mu.Unlock()
			return
		}
		b.mu.Unlock()
		b.batches.Add(1)
		if b.beforeBatch != nil {
			b.beforeBatch()
		}
		// A message whose caller stopped waiting (its acknowledgement timed
		// out, its connection was lost) is not stored behind the caller's
		// back; a queued message is never answered by the broker, so none
		// of these has been reused.
		b.acks.Lock()
		for i, p := range batch {
			if b.waiting[p.id] != p {
				batch[i] = nil
			}
		}
		b.acks.Unlock()
		for i, p := range batch {
			if p == nil {
				continue
			}
			batch[i] = nil
			// p is read before the publish only: once sent, it may be
			// answered and reused at any moment.
			id := p.id
			err := p.ctx.Err() // its goroutine has given up: do not store it behind its back
			if err == nil {
				err = b.nc.PublishMsg(p.msg)
			}
			if err != nil {
				b.answer(id, p, result{err: err, done: true})
			}
		}
	}
}

// handleAck answers the message an acknowledgement is for. It runs on the
// subscription's goroutine, one acknowledgement at a time.
func (b *Batcher) handleAck(m *nats.Msg) {
	id, err := strconv.ParseUint(m.Subject[strings.LastIndexByte(m.Subject, '.')+1:], 36, 64)
	if err != nil {
		return
	}
	if len(m.Data) == 0 && m.Header.Get("Status") == "503" {
		// No stream answered: a stream's leader may be moving. Send again
		// after a while, as nats.go does, before giving up.
		b.acks.Lock()
		p := b.waiting[id]
		retry := p != nil && p.retries < noResponderRetryLimit
		if retry {
			p.retries++
		}
		b.acks.Unlock()
		if retry {
			time.AfterFunc(noResponderRetryWait, func() {
				if b.waits(id, p) { // its publisher did not give up meanwhile
					b.enqueue(p)
				}
			})
			return
		}
		if p != nil {
			b.answer(id, p, result{err: jetstream.ErrNoStreamResponse, done: true})
		}
		return
	}
	b.acks.Lock()
	p := b.waiting[id]
	delete(b.waiting, id)
	b.acks.Unlock()
	if p == nil {
		return // its publisher gave up
	}
	r := b.decode(m.Data)
	r.done = true // answered by the broker: the sender sent it
	b.deliver(p, r)
}

// decode reads an acknowledgement: the common forms without reflection
// or a new string for the stream's name, any other with encoding/json.
func (b *Batcher) decode(data []byte) result {
	a, ok := parseAck(data)
	if !ok {
		return decodeAck(data)
	}
	if string(a.stream) != b.stream {
		b.stream = string(a.stream)
	}
	return result{ack: jetstream.PubAck{Stream: b.stream, Sequence: a.seq, Domain: string(a.domain), Duplicate: a.duplicate}}
}

// watch answers every waiting message with the connection's loss: its
// acknowledgement cannot come. It ends when the connection closes.
func (b *Batcher) watch(status chan nats.Status) {
	defer b.nc.RemoveStatusListener(status)
	// A connection closed before status was registered, or whose CLOSED
	// was dropped from a full channel, is seen closed all the same.
	closed := b.nc.IsClosed()
	for !closed {
		s := <-status
		closed = s == nats.CLOSED || b.nc.IsClosed()
		err := nats.ErrDisconnected
		if closed {
			err = nats.ErrConnectionClosed
		}
		b.acks.Lock()
		lost := make(map[uint64]*pending, len(b.waiting))
		for id, p := range b.waiting {
			lost[id] = p
		}
		b.acks.Unlock()
		for id, p := range lost {
			b.answer(id, p, result{err: err})
		}
	}
}
