package consumer

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// History is a stretch of one stream's past, read once: the messages on
// Subject stored from From up to and including Until. It keeps no state
// on the server (an ordered consumer), which makes it the way to rebuild
// state from history, to list or to replay.
type History struct {
	Stream  string    // e.g. fax.EventsStream
	Subject string    // subject filter, wildcards allowed; empty: every subject
	From    time.Time // zero: the first message the stream holds
	Until   time.Time // zero: the last message stored when Scan starts
}

// stallTimeout bounds the wait for a message Count said is there (it may
// have aged out of the stream meanwhile).
const stallTimeout = 30 * time.Second

// Count returns how many messages History holds now.
func (h History) Count(ctx context.Context, js jetstream.JetStream) (uint64, error) {
	from, err := pending(ctx, js, h.Stream, h.subject(), h.From)
	if err != nil || h.Until.IsZero() {
		return from, err
	}
	after, err := pending(ctx, js, h.Stream, h.subject(), h.Until.Add(time.Nanosecond))
	if err != nil {
		return 0, err
	}
	return from - min(after, from), nil
}

// Scan calls fn on each message of History in stream order, and returns
// when the last is done, when fn fails (with its error) or when ctx ends.
// Messages are not acknowledged: there is no one to acknowledge to.
func (h History) Scan(ctx context.Context, js jetstream.JetStream, fn func(jetstream.Msg) error) error {
	if h.Until.IsZero() {
		h.Until = time.Now()
	}
	n, err := h.Count(ctx, js)
	if err != nil || n == 0 {
		return err
	}
	cc := jetstream.OrderedConsumerConfig{FilterSubjects: []string{h.subject()}, InactiveThreshold: time.Minute}
	if !h.From.IsZero() {
		from := h.From.UTC()
		cc.DeliverPolicy, cc.OptStartTime = jetstream.DeliverByStartTimePolicy, &from
	}
	cons, err := js.OrderedConsumer(ctx, h.Stream, cc)
	if err != nil {
		return fmt.Errorf("read %s: %w", h.Stream, err)
	}
	it, err := cons.Messages(jetstream.StopAfter(int(min(n, math.MaxInt))))
	if err != nil {
		return fmt.Errorf("read %s: %w", h.Stream, err)
	}
	defer it.Stop()
	return h.each(ctx, it, fn)
}

// each runs fn on the iterator's messages up to Until.
func (h History) each(ctx context.Context, it jetstream.MessagesContext, fn func(jetstream.Msg) error) error {
	for {
		m, err := next(ctx, it)
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", h.Stream, err)
		}
		meta, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("read %s: %w", h.Stream, err)
		}
		if meta.Timestamp.After(h.Until) {
			return nil
		}
		if err := fn(m); err != nil {
			return err
		}
		if meta.NumPending == 0 {
			return nil
		}
	}
}

// next waits for the iterator's next message, at most stallTimeout.
func next(ctx context.Context, it jetstream.MessagesContext) (jetstream.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, stallTimeout)
	defer cancel()
	return it.Next(jetstream.NextContext(ctx))
}

func (h History) subject() string {
	if h.Subject == "" {
		return ">"
	}
	return h.Subject
}

// pending is the number of messages on subject stored at or after from
// (zero: all), read from a consumer created for the question and deleted
// after it.
func pending(ctx context.Context, js jetstream.JetStream, name, subject string, from time.Time) (uint64, error) {
	cc := jetstream.ConsumerConfig{
		FilterSubject: subject, AckPolicy: jetstream.AckNonePolicy,
		InactiveThreshold: time.Minute, MemoryStorage: true,
	}
	start := StartAll()
	if !from.IsZero() {
		start = StartTime(from)
	}
	start.apply(&cc)
	cons, err := js.CreateConsumer(ctx, name, cc)
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", name, err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = js.DeleteConsumer(ctx, name, cons.CachedInfo().Name)
	}()
	return cons.CachedInfo().NumPending, nil
}
