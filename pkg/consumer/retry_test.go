package consumer_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

var errDown = errors.New("EHR down")

// TestHandlerErrorIsRetried: a failing handler sees the message again
// (delivery 2, 3, …) until it succeeds; the message is then acknowledged
// and never seen again. A panic counts as a failure.
func TestHandlerErrorIsRetried(t *testing.T) {
	cases := []struct {
		name string
		fail func(delivery uint64) error
	}{
		{"error twice", func(d uint64) error {
			if d < 3 {
				return errDown
			}
			return nil
		}},
		{"panic once", func(d uint64) error {
			if d < 2 {
				panic("bug")
			}
			return nil
		}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			js := broker(t)
			publishEvent(t, js, event(fax.EFax, "demo", "fax.inbound.received", "r1"))
			durable := "retry-" + string(rune('a'+i))
			cfg := consumer.Config{Durable: durable, MaxDeliver: 5, RetryInitial: 20 * time.Millisecond}
			var succeeded atomic.Uint64
			col := run(t, consumer.Events(js, cfg), func(_ context.Context, m consumer.Message[fax.Event]) error {
				err := c.fail(m.Deliveries)
				if err == nil {
					succeeded.Store(m.Deliveries)
				}
				return err
			}, func([]consumer.Message[fax.Event]) bool {
				return succeeded.Load() > 0 && isSettled(t, js, fax.EventsStream, durable)
			})
			var deliveries []uint64
			for _, m := range col.all() {
				deliveries = append(deliveries, m.Deliveries)
			}
			want := []uint64{1, 2, 3}[:succeeded.Load()]
			if !slices.Equal(deliveries, want) {
				t.Errorf("deliveries %v (succeeded on %d), want %v", deliveries, succeeded.Load(), want)
			}
		})
	}
}

// TestPoisonDoesNotBlock: a message that always fails is retried, then
// given up on after MaxDeliver deliveries and reported; an undecodable one
// is given up on at once; neither holds up the messages behind them, which
// are all handled before the failing one is given up on.
func TestPoisonDoesNotBlock(t *testing.T) {
	js := broker(t)
	publishEvent(t, js, event(fax.EFax, "demo", "fax.inbound.received", "poison"))
	publish(t, js, "faxpipe.events.efax.demo.fax.inbound.received", []byte("{not json"), "")
	for _, id := range []string{"ok-1", "ok-2", "ok-3"} {
		publishEvent(t, js, event(fax.EFax, "demo", "fax.inbound.received", id))
	}
	var mu sync.Mutex
	var poisons []consumer.Poison
	var handledBeforeGivingUp []string
	cfg := consumer.Config{Durable: "poison", MaxDeliver: 3, RetryInitial: 300 * time.Millisecond,
		OnPoison: func(p consumer.Poison) {
			mu.Lock()
			defer mu.Unlock()
			poisons = append(poisons, p)
		}}
	col := run(t, consumer.Events(js, cfg), func(_ context.Context, m consumer.Message[fax.Event]) error {
		mu.Lock()
		defer mu.Unlock()
		if m.Data.FaxID == "poison" {
			return errDown
		}
		if len(poisons) < 2 {
			handledBeforeGivingUp = append(handledBeforeGivingUp, m.Data.FaxID)
		}
		return nil
	}, func([]consumer.Message[fax.Event]) bool {
		mu.Lock()
		given := len(poisons)
		mu.Unlock()
		return given == 2 && isSettled(t, js, fax.EventsStream, "poison")
	})

	mu.Lock()
	defer mu.Unlock()
	if len(poisons) != 2 {
		t.Fatalf("%d poison reports, want 2 (undecodable, failing): %+v", len(poisons), poisons)
	}
	if p := poisons[0]; p.Seq != 2 || p.Deliveries != 1 || string(p.Data) != "{not json" {
		t.Errorf("first poison seq %d deliveries %d data %q, want the undecodable seq 2 at once", p.Seq, p.Deliveries, p.Data)
	}
	if p := poisons[1]; p.Seq != 1 || p.Deliveries != 3 || !errors.Is(p.Err, errDown) {
		t.Errorf("second poison seq %d deliveries %d err %v, want seq 1 after 3 deliveries with the handler's error", p.Seq, p.Deliveries, p.Err)
	}
	if !slices.Equal(handledBeforeGivingUp, []string{"ok-1", "ok-2", "ok-3"}) {
		t.Errorf("handled before the poison was given up on: %v, want every other message", handledBeforeGivingUp)
	}
	if n := len(col.all()); n != 6 {
		t.Errorf("handler called %d times, want 6 (3 for the poison, 1 each for the others)", n)
	}
}
