package consumer_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// TestStartPoints: a new consumer receives exactly the events from its
// start point on (and, for "from time T", none stored before T).
func TestStartPoints(t *testing.T) {
	js := broker(t)
	for _, id := range []string{"a", "b"} {
		publishEvent(t, js, event(fax.EFax, "demo", "fax.inbound.received", id))
	}
	time.Sleep(5 * time.Millisecond) // c's storage time strictly after b's
	seqC, timeC := publishEvent(t, js, event(fax.EFax, "demo", "fax.inbound.received", "c"))
	publishEvent(t, js, event(fax.EFax, "demo", "fax.inbound.received", "d"))

	cases := []struct {
		name  string
		start consumer.Start
		later []string // published once the consumer exists
		want  []string
	}{
		{"zero value is everything", consumer.Start{}, nil, []string{"a", "b", "c", "d"}},
		{"everything", consumer.StartAll(), nil, []string{"a", "b", "c", "d"}},
		{"from time T", consumer.StartTime(timeC), nil, []string{"c", "d"}},
		{"from a time between two messages", consumer.StartTime(timeC.Add(-time.Nanosecond)), nil, []string{"c", "d"}},
		{"from sequence", consumer.StartSeq(seqC), nil, []string{"c", "d"}},
		{"new only", consumer.StartNew(), []string{"e"}, []string{"e"}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			durable := "start-" + string(rune('a'+i))
			cons := consumer.Events(js, consumer.Config{Durable: durable, Start: c.start})
			if len(c.later) > 0 {
				// The publisher reports to this goroutine, which waits for it
				// (also when the test fails early) and asserts on its error.
				published := make(chan error, 1)
				go func() { published <- publishOnceCreated(js, durable, c.later) }()
				t.Cleanup(func() {
					if err := <-published; err != nil {
						t.Error(err)
					}
				})
			}
			got := faxIDs(run(t, cons, ok, count[fax.Event](len(c.want))).all())
			settled(t, js, fax.EventsStream, durable) // nothing more was to come
			if !slices.Equal(got, c.want) {
				t.Errorf("received %v, want %v", got, c.want)
			}
		})
	}
}

// publishOnceCreated publishes events with ids once the durable consumer
// exists. It runs off the test goroutine, so it returns its error rather
// than failing a test, and it does not use a test's context, which ends
// with the test.
func publishOnceCreated(js jetstream.JetStream, durable string, ids []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		if _, err := js.Consumer(ctx, fax.EventsStream, durable); err == nil {
			for _, id := range ids {
				ev := event(fax.EFax, "demo", "fax.inbound.received", id)
				enc, err := ev.Encode()
				if err != nil {
					return err
				}
				msg := nats.NewMsg(enc.Subject)
				msg.Data = enc.Data
				msg.Header.Set(jetstream.MsgIDHeader, enc.ID)
				if _, err := js.PublishMsg(ctx, msg); err != nil {
					return fmt.Errorf("publish %s: %w", id, err)
				}
			}
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return fmt.Errorf("consumer %s never created", durable)
}

// TestDurableResumes: a durable consumer started again resumes after the
// last message it acknowledged, whatever its new Start says.
func TestDurableResumes(t *testing.T) {
	js := broker(t)
	for _, id := range []string{"a", "b"} {
		publishEvent(t, js, event(fax.GoFax, "demo", "fax.outbound.delivered", id))
	}
	cfg := consumer.Config{Durable: "ehr", Start: consumer.StartAll()}
	first := faxIDs(run(t, consumer.Events(js, cfg), ok, count[fax.Event](2)).all())
	settled(t, js, fax.EventsStream, "ehr")
	publishEvent(t, js, event(fax.GoFax, "demo", "fax.outbound.delivered", "c"))

	cfg.Start = consumer.StartNew()
	second := faxIDs(run(t, consumer.Events(js, cfg), ok, count[fax.Event](1)).all())
	settled(t, js, fax.EventsStream, "ehr")
	if !slices.Equal(first, []string{"a", "b"}) || !slices.Equal(second, []string{"c"}) {
		t.Errorf("first run %v, second %v; want [a b] then [c]", first, second)
	}
}
