package consumer_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// broker is an in-process JetStream with faxpipe's topology.
func broker(t *testing.T) jetstream.JetStream {
	t.Helper()
	return streamtest.Connect(t, streamtest.Start(t), config.Default().Streams).JS
}

// event is a fax event of provider/account with the given kind, spelled
// "channel.direction.outcome".
func event(p fax.Provider, account, kind, faxID string) fax.Event {
	k := strings.Split(kind, ".")
	ev := fax.NewEvent(fax.RawMessage{Envelope: &fax.Envelope{ID: "raw-" + faxID, Provider: p, Account: account,
		ReceivedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, StreamSeq: 1})
	ev.Channel, ev.Direction, ev.Outcome, ev.FaxID = fax.Channel(k[0]), fax.Direction(k[1]), fax.Outcome(k[2]), faxID
	ev.Success = ev.Outcome != fax.OutcomeFailed
	ev.Document = kind == "fax.inbound.received"
	return ev
}

// publishEvent publishes ev as the processor does and returns its stream
// sequence and storage time.
func publishEvent(t *testing.T, js jetstream.JetStream, ev fax.Event) (uint64, time.Time) {
	t.Helper()
	enc, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return publish(t, js, enc.Subject, enc.Data, enc.ID)
}

// publishDocument announces a document of ev as the downloader does.
func publishDocument(t *testing.T, js jetstream.JetStream, a fax.DocumentAnnouncement) uint64 {
	t.Helper()
	data, err := a.Encode(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := publish(t, js, a.Subject(), data, a.ID())
	return seq
}

func stored(ev fax.Event, object string, size int64, sum string) fax.DocumentAnnouncement {
	return fax.DocumentAnnouncement{EventID: ev.ID(), Provider: ev.Provider, Account: ev.Account, FaxID: ev.FaxID,
		Outcome: fax.DocumentStored, Bucket: fax.DocumentBucket, Object: object, Size: &size,
		SHA256: sum, ContentType: "application/pdf"}
}

func failed(ev fax.Event) fax.DocumentAnnouncement {
	one := 1
	return fax.DocumentAnnouncement{EventID: ev.ID(), Provider: ev.Provider, Account: ev.Account, FaxID: ev.FaxID,
		Outcome: fax.DocumentFailed, Reason: "not_found", Detail: "404", Attempts: &one, Deliveries: &one}
}

func publish(t *testing.T, js jetstream.JetStream, subject string, data []byte, id string) (uint64, time.Time) {
	t.Helper()
	return publishMsg(t, js, newMsg(subject, data, id))
}

// newMsg is data on subject with Nats-Msg-Id id (none if empty).
func newMsg(subject string, data []byte, id string) *nats.Msg {
	msg := nats.NewMsg(subject)
	msg.Data = data
	if id != "" {
		msg.Header.Set(jetstream.MsgIDHeader, id)
	}
	return msg
}

// publishMsg publishes msg and returns its stream sequence and storage
// time.
func publishMsg(t *testing.T, js jetstream.JetStream, msg *nats.Msg) (uint64, time.Time) {
	t.Helper()
	ack, err := js.PublishMsg(t.Context(), msg)
	if err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(t.Context(), ack.Stream)
	if err != nil {
		t.Fatal(err)
	}
	m, err := st.GetMsg(t.Context(), ack.Sequence)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence, m.Time
}

// collector gathers what a handler saw, safe for concurrent handlers.
type collector[T any] struct {
	mu   sync.Mutex
	msgs []consumer.Message[T]
}

func (c *collector[T]) add(m consumer.Message[T]) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.msgs = append(c.msgs, m)
}

func (c *collector[T]) all() []consumer.Message[T] {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]consumer.Message[T](nil), c.msgs...)
}

// run runs c with h until done reports true for what was collected (or
// 15 s pass, which fails the test), then stops it.
func run[T any](t *testing.T, c *consumer.Consumer[T], h consumer.Handler[T], done func([]consumer.Message[T]) bool) *collector[T] {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	col := &collector[T]{}
	errc := make(chan error, 1)
	returned := false
	go func() {
		errc <- c.Run(ctx, func(ctx context.Context, m consumer.Message[T]) error {
			col.add(m)
			return h(ctx, m)
		})
	}()
	defer func() { // Run never outlives the test, even one failed below
		if !returned {
			cancel()
			if err := <-errc; err != nil { // the test has failed already; Run only has to be over
				t.Logf("Run: %v", err)
			}
		}
	}()
	for !done(col.all()) {
		select {
		case err := <-errc:
			returned = true
			t.Fatalf("Run returned early: %v", err)
		case <-ctx.Done():
			t.Fatalf("gave up waiting; handled %d messages", len(col.all()))
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	err := <-errc
	returned = true
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return col
}

func ok[T any](context.Context, consumer.Message[T]) error { return nil }

// count is a done condition: at least n messages handled.
func count[T any](n int) func([]consumer.Message[T]) bool {
	return func(ms []consumer.Message[T]) bool { return len(ms) >= n }
}

// settled fails the test unless the durable consumer soon has nothing
// left to deliver and nothing unacknowledged: every message matching it
// was handled (or filtered out) and acked.
func settled(t *testing.T, js jetstream.JetStream, streamName, durable string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !isSettled(t, js, streamName, durable) {
		if time.Now().After(deadline) {
			t.Fatalf("consumer %s never settled", durable)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// isSettled reports whether the durable consumer exists, delivered
// something, and has nothing pending or unacknowledged.
func isSettled(t *testing.T, js jetstream.JetStream, streamName, durable string) bool {
	t.Helper()
	cons, err := js.Consumer(t.Context(), streamName, durable)
	if errors.Is(err, jetstream.ErrConsumerNotFound) {
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	info, err := cons.Info(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return info.Delivered.Stream > 0 && info.NumPending == 0 && info.NumAckPending == 0 && info.NumRedelivered == 0
}

// drain runs c until its durable consumer has nothing left and returns
// what reached the handler.
func drain[T any](t *testing.T, js jetstream.JetStream, c *consumer.Consumer[T], streamName, durable string) []consumer.Message[T] {
	t.Helper()
	return run(t, c, ok, func([]consumer.Message[T]) bool { return isSettled(t, js, streamName, durable) }).all()
}

// faxIDs lists the fax ids of event messages in order.
func faxIDs(ms []consumer.Message[fax.Event]) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Data.FaxID)
	}
	return out
}
