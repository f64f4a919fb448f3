package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

const (
	// lookupBatch bounds the ids of one multi-get, well under the 1024
	// messages a server answers to one.
	lookupBatch = 256
	// lookupsInFlight is how many multi-gets may be outstanding at once;
	// lookups arriving meanwhile queue up and go together in the next one.
	lookupsInFlight = 2
	// lookupQueue bounds the lookups waiting for a multi-get.
	lookupQueue = 4096
)

// errLookupAnswer: a multi-get's answer is not what was asked for, or is
// incomplete.
var errLookupAnswer = errors.New("dedupe lookup: unexpected answer")

// lookups answers, for many concurrent workers, whether event ids are
// recorded in the dedupe bucket — with one broker request for many ids
// instead of one each. A worker queues its id; whichever waiting worker
// gets a free slot (lookupsInFlight) takes everything queued and asks for
// all of it in one direct multi-get of the bucket's stream (the last
// message of each key's subject), then hands every waiter its answer.
// Under load a request carries the ids that arrived while the previous one
// was on the wire; alone, a lookup costs one round trip as before.
//
// A lookup never answers "not recorded" unless the server said so: an
// error, a timeout or an answer without its end-of-batch mark is an error
// for every id in the batch (a transient fault; the message is retried).
// orbit.go's jetstreamext.GetLastMsgsFor does the same request, but ends
// its iteration silently on a timeout, which would read as "not recorded".
type lookups struct {
	kv      jetstream.KeyValue
	subject string // the stream's direct-get API subject
	prefix  string // the subject prefix of the bucket's keys
	direct  bool   // the stream allows direct gets; if not, one kv.Get per id
	queue   chan *lookup
	slots   chan *slot // the free ones
	// requests counts the multi-gets sent, for tests.
	requests atomic.Int64
}

// slot is one multi-get at a time, with an inbox subscription of its own
// kept for the connection's life: subscribing per request would churn the
// server's subject index, which every publish reads.
type slot struct {
	nc    *nats.Conn
	inbox string // prefix of the reply subjects
	sub   *nats.Subscription
	n     uint64 // requests sent: the last token of their reply subject
}

type lookup struct {
	id        string
	done      chan struct{} // closed once recorded and err are set
	recorded  bool
	err       error
	abandoned atomic.Bool // its worker stopped waiting
}

// newLookups prepares batched lookups in the bucket kv.
func newLookups(ctx context.Context, js jetstream.JetStream, kv jetstream.KeyValue) (*lookups, error) {
	st, err := kv.Status(ctx)
	if err != nil {
		return nil, err
	}
	info := st.(*jetstream.KeyValueBucketStatus).StreamInfo()
	l := &lookups{
		kv:      kv,
		subject: apiPrefix(js.Options()) + "DIRECT.GET." + info.Config.Name,
		prefix:  "$KV." + kv.Bucket() + ".",
		direct:  info.Config.AllowDirect,
		queue:   make(chan *lookup, lookupQueue),
		slots:   make(chan *slot, lookupsInFlight),
	}
	nc := js.Conn()
	for range lookupsInFlight {
		s := &slot{nc: nc, inbox: nc.NewRespInbox()}
		if s.sub, err = nc.SubscribeSync(s.inbox + ".*"); err != nil {
			for range len(l.slots) {
				_ = (<-l.slots).sub.Unsubscribe()
			}
			return nil, fmt.Errorf("dedupe lookups: %w", err)
		}
		l.slots <- s
	}
	return l, nil
}

// apiPrefix is the JetStream API prefix of opts, ending in a dot.
func apiPrefix(opts jetstream.JetStreamOptions) string {
	switch {
	case opts.APIPrefix != "":
		return strings.TrimSuffix(opts.APIPrefix, ".") + "."
	case opts.Domain != "":
		return "$JS." + opts.Domain + ".API."
	}
	return "$JS.API."
}

// recorded reports whether id is in the bucket (and not deleted).
func (l *lookups) recorded(ctx context.Context, id string) (bool, error) {
	if !l.direct {
		_, err := l.kv.Get(ctx, id)
		if errors.Is(err, jetstream.ErrKeyNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	q := &lookup{id: id, done: make(chan struct{})}
	if err := l.enqueue(ctx, q); err != nil {
		return false, err
	}
	for {
		select {
		case <-q.done: // answered: no need to serve others first
			return q.recorded, q.err
		default:
		}
		if ctx.Err() != nil {
			break
		}
		select {
		case <-q.done:
			return q.recorded, q.err
		case s := <-l.slots:
			served := l.serve(ctx, s)
			l.slots <- s
			if served > 0 {
				continue
			}
			// Nothing was queued: q is in a multi-get in flight.
			select {
			case <-q.done:
				return q.recorded, q.err
			case <-ctx.Done():
			}
		case <-ctx.Done():
		}
		break
	}
	q.abandoned.Store(true) // skipped if still queued
	return false, ctx.Err()
}

// enqueue queues q. While the queue is full it serves the queue instead of
// only waiting, so that lookups keep being answered whatever the number of
// workers.
func (l *lookups) enqueue(ctx context.Context, q *lookup) error {
	for ctx.Err() == nil {
		select {
		case l.queue <- q:
			return nil
		default:
		}
		select {
		case l.queue <- q:
			return nil
		case s := <-l.slots:
			l.serve(ctx, s)
			l.slots <- s
		case <-ctx.Done():
		}
	}
	return ctx.Err()
}

// serve takes what is queued (at most lookupBatch) and answers it through
// s, skipping lookups whose workers gave up. It returns how many lookups it
// took off the queue.
func (l *lookups) serve(ctx context.Context, s *slot) int {
	taken := 0
	batch := make([]*lookup, 0, 16)
	for len(batch) < lookupBatch {
		select {
		case q := <-l.queue:
			taken++
			if !q.abandoned.Load() {
				batch = append(batch, q)
			}
			continue
		default:
		}
		break
	}
	if len(batch) == 0 {
		return taken
	}
	// The request serves other workers too: it has its own deadline, not
	// the context of the message that happened to send it.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), messageTimeout)
	defer cancel()
	found, err := l.multiGet(rctx, s, batch)
	for _, q := range batch {
		q.recorded, q.err = found[q.id], err
		close(q.done)
	}
	return taken
}

// multiGet asks the bucket's stream, through s, for the last message of
// each id's key and returns the ids recorded. It reads answers until the
// server's end-of-batch mark (204) or "no results" (404); anything else is
// an error. Answers to an earlier request of s that gave up are skipped.
func (l *lookups) multiGet(ctx context.Context, s *slot, batch []*lookup) (map[string]bool, error) {
	l.requests.Add(1)
	subjects := make([]string, len(batch))
	for i, q := range batch {
		subjects[i] = l.prefix + q.id
	}
	req, err := json.Marshal(struct {
		MultiLast []string `json:"multi_last"`
	}{subjects})
	if err != nil {
		return nil, err
	}
	s.n++
	reply := s.inbox + "." + strconv.FormatUint(s.n, 10)
	if err := s.nc.PublishRequest(l.subject, reply, req); err != nil {
		return nil, fmt.Errorf("dedupe lookup: %w", err)
	}
	// The server numbers its answers: each message carries the sequence of
	// the one before it (0 for the first) and how many are still to come,
	// down to 0 on the end-of-batch mark. A message missing on the way,
	// say dropped by a slow subscription, breaks the chain: an error, not
	// a key "not recorded".
	found := make(map[string]bool, len(batch))
	var lastSeq string
	pending := -1
	for {
		m, err := s.sub.NextMsgWithContext(ctx)
		if err != nil {
			return nil, fmt.Errorf("dedupe lookup: %w", err)
		}
		if m.Subject != reply {
			continue // a late answer to a request that gave up
		}
		if status := m.Header.Get("Status"); len(m.Data) == 0 && status != "" {
			switch desc := m.Header.Get("Description"); {
			case status == "204" && m.Header.Get("Nats-Num-Pending") == "0" && pending == 0:
				return found, nil // end of batch, every answer seen
			case status == "404" && desc == "No Results" && pending == -1:
				return found, nil // none of the keys exists
			case status == "503":
				return nil, fmt.Errorf("dedupe lookup: %w", nats.ErrNoResponders)
			default:
				return nil, fmt.Errorf("%w: status %s %q after %d answers (%d said to follow)", errLookupAnswer, status, desc, len(found), pending)
			}
		}
		subject := m.Header.Get(jetstream.SubjectHeader)
		n, err := strconv.Atoi(m.Header.Get("Nats-Num-Pending"))
		switch {
		case err != nil || (pending >= 0 && n != pending-1) || n < 0:
			return nil, fmt.Errorf("%w: %q answers to follow after %d", errLookupAnswer, m.Header.Get("Nats-Num-Pending"), pending)
		case m.Header.Get("Nats-Last-Sequence") != lastSeq && !(lastSeq == "" && m.Header.Get("Nats-Last-Sequence") == "0"):
			return nil, fmt.Errorf("%w: an answer is missing before sequence %s", errLookupAnswer, m.Header.Get(jetstream.SequenceHeader))
		case !strings.HasPrefix(subject, l.prefix):
			return nil, fmt.Errorf("%w: a message of subject %q", errLookupAnswer, subject)
		}
		pending, lastSeq = n, m.Header.Get(jetstream.SequenceHeader)
		if live(m.Header) {
			found[strings.TrimPrefix(subject, l.prefix)] = true
		}
	}
}

// live reports whether a key's last message holds a value rather than
// marking it deleted, purged or expired (as nats.go's KeyValue.Get reads it).
func live(h nats.Header) bool {
	switch h.Get("KV-Operation") {
	case "DEL", "PURGE":
		return false
	}
	return h.Get(jetstream.MarkerReasonHeader) == ""
}
