package processor

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Horizon is how far back the processor accepts a callback: the events
// stream's duplicate window (streams.dedupe_ttl) less a margin for clocks that differ
// between hosts and for a fax whose callbacks came some time apart.
// Within it, an event already published is still remembered and counts as
// a duplicate; beyond it, publishing could give a second event, so the
// callback is rejected instead (fax.ReasonBeyondDedupeHorizon, or
// fax.ReasonStale when the provider's own time of the fax is that old).
type Horizon struct {
	TTL    time.Duration // the events stream's duplicate window; 0 means ids are kept forever
	Margin time.Duration
}

// NewHorizon is the horizon of a duplicate window of ttl: the margin is
// config.DedupeMargin, or a quarter of ttl when that is shorter (a short
// ttl in a test).
func NewHorizon(ttl time.Duration) Horizon {
	return Horizon{TTL: ttl, Margin: min(config.DedupeMargin, ttl/4)}
}

// DedupeHorizon reads the horizon off FAXPIPE_EVENTS as the broker holds
// it: its duplicate window is how long event ids are remembered.
func DedupeHorizon(ctx context.Context, js jetstream.JetStream) (Horizon, error) {
	st, err := js.Stream(ctx, fax.EventsStream)
	if err != nil {
		return Horizon{}, fmt.Errorf("stream %s: %w", fax.EventsStream, err)
	}
	return NewHorizon(st.CachedInfo().Config.Duplicates), nil
}

// Span is how far back callbacks are accepted; 0 means without limit.
func (h Horizon) Span() time.Duration { return h.TTL - h.Margin }

// Start is the oldest time accepted at now; zero without limit.
func (h Horizon) Start(now time.Time) time.Time {
	if h.TTL <= 0 {
		return time.Time{}
	}
	return now.Add(-h.Span())
}

// checkReceived refuses a callback received before the horizon.
func (h Horizon) checkReceived(env *fax.Envelope, now time.Time) error {
	if start := h.Start(now); env.ReceivedAt.Before(start) {
		return fmt.Errorf("received at %s, before %s (streams.dedupe_ttl %s less %s): its event may already have been published and forgotten: %w",
			env.ReceivedAt.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339), h.TTL, h.Margin, fax.ReasonBeyondDedupeHorizon)
	}
	return nil
}

// checkCompleted refuses an event whose provider-given time of the fax is
// before the horizon: a callback captured long ago and sent again.
func (h Horizon) checkCompleted(ev fax.Event, now time.Time) error {
	if ev.CompletedAt == nil {
		return nil
	}
	if start := h.Start(now); ev.CompletedAt.Before(start) {
		return fmt.Errorf("the provider says the fax completed at %s, before %s (streams.dedupe_ttl %s less %s): its event may already have been published and forgotten: %w",
			ev.CompletedAt.UTC().Format(time.RFC3339), start.UTC().Format(time.RFC3339), h.TTL, h.Margin, fax.ReasonStale)
	}
	return nil
}
