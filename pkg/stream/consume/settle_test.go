package consume

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// fakeMsg records how a message was settled; its other methods are not
// used by the policy (nil interface: a call panics).
type fakeMsg struct {
	jetstream.Msg
	delivered uint64
	settled   string
	delay     time.Duration
	reason    string
}

func (m *fakeMsg) Subject() string { return "faxpipe.raw.efax.demo" }
func (m *fakeMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{NumDelivered: m.delivered}, nil
}
func (m *fakeMsg) Ack() error { m.settled = "ack"; return nil }
func (m *fakeMsg) Nak() error { m.settled = "nak"; return nil }
func (m *fakeMsg) NakWithDelay(d time.Duration) error {
	m.settled, m.delay = "nak-delay", d
	return nil
}
func (m *fakeMsg) TermWithReason(r string) error { m.settled, m.reason = "term", r; return nil }

var policy = Backoff{Initial: time.Second, Max: time.Minute, Multiplier: 2}

func TestSettle(t *testing.T) {
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	boom := errors.New("boom")
	tests := []struct {
		name      string
		ctx       context.Context
		err       error
		delivered uint64
		want      string
		delay     time.Duration
	}{
		{name: "nil acks", err: nil, want: "ack"},
		{name: "nil acks even while stopping", ctx: stopped, err: nil, want: "ack"},
		{name: "a failure while stopping is handed back now", ctx: stopped, err: boom, want: "nak"},
		{name: "permanent terminates", err: Permanent(boom), want: "term"},
		{name: "transient, first delivery: the initial delay", err: boom, delivered: 1, want: "nak-delay", delay: time.Second},
		{name: "transient, third delivery: doubled twice", err: boom, delivered: 3, want: "nak-delay", delay: 4 * time.Second},
		{name: "transient, many deliveries: capped", err: boom, delivered: 1000, want: "nak-delay", delay: time.Minute},
		{name: "RetryIn's delay replaces the policy's", err: fmt.Errorf("x: %w", RetryIn(boom, 7*time.Second)), delivered: 9, want: "nak-delay", delay: 7 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			m := &fakeMsg{delivered: tt.delivered}
			Settle(ctx, m, tt.err, policy, zap.NewNop())
			if m.settled != tt.want || m.delay != tt.delay {
				t.Fatalf("settled %s (delay %v), want %s (delay %v)", m.settled, m.delay, tt.want, tt.delay)
			}
			if tt.want == "term" && m.reason != "boom" {
				t.Errorf("term reason %q, want the error", m.reason)
			}
		})
	}
}

func TestPoison(t *testing.T) {
	boom, outage := errors.New("boom"), errors.New("broker not answering")
	transient := func(err error) bool { return errors.Is(err, outage) }
	tests := []struct {
		name      string
		err       error
		delivered uint64
		given     bool
	}{
		{name: "success is not poison", err: nil, delivered: 5},
		{name: "a failure before the last delivery is retried", err: boom, delivered: 4},
		{name: "a failure on the last delivery is given", err: boom, delivered: 5, given: true},
		{name: "past the last delivery too", err: boom, delivered: 9, given: true},
		{name: "a permanent failure is given at once", err: Permanent(boom), delivered: 1, given: true},
		{name: "an outage is never poison", err: outage, delivered: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gave error
			h := Poison(func(context.Context, jetstream.Msg) error { return tt.err }, 5, transient,
				func(_ context.Context, _ jetstream.Msg, cause error) error { gave = cause; return nil })
			err := h(context.Background(), &fakeMsg{delivered: tt.delivered})
			if got := gave != nil; got != tt.given {
				t.Fatalf("given = %v, want %v", got, tt.given)
			}
			if tt.given && err != nil {
				t.Errorf("error %v after give recorded it, want give's nil", err)
			}
			if !tt.given && !errors.Is(err, tt.err) {
				t.Errorf("error %v, want the handler's %v", err, tt.err)
			}
		})
	}
}

func TestRecover(t *testing.T) {
	h := Recover(func(context.Context, jetstream.Msg) error { panic("bad input") })
	if err := h(context.Background(), &fakeMsg{}); !errors.Is(err, ErrPanic) {
		t.Fatalf("error %v, want ErrPanic", err)
	}
}

// TestBackoffDefaults: a zero Multiplier is cenkalti's 1.5, and Jitter
// spreads delays only when set.
func TestBackoffDefaults(t *testing.T) {
	exact := Backoff{Initial: time.Second, Max: time.Minute}
	if got, want := exact.Delay(3), 2250*time.Millisecond; got != want {
		t.Errorf("Delay(3) = %v, want %v (1.5× per failure, no jitter)", got, want)
	}
	if got := (Backoff{Initial: 2 * time.Minute, Max: time.Minute}).Delay(1); got != 2*time.Minute {
		t.Errorf("Max below Initial: Delay(1) = %v, want Initial", got)
	}
	spread := Backoff{Initial: time.Second, Max: time.Minute, Jitter: Jittered}
	seen := map[time.Duration]bool{}
	for range 50 {
		d := spread.Delay(1)
		if d < 500*time.Millisecond || d > 1500*time.Millisecond {
			t.Fatalf("jittered Delay(1) = %v, want 1s ± 50%%", d)
		}
		seen[d] = true
	}
	if len(seen) < 2 {
		t.Error("jittered delays are all the same")
	}
}
