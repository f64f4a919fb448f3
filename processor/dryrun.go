package processor

import (
	"context"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// DryRun is the Emitter of a dry run: it writes nothing, and says what the
// Publisher would have done. An event id published within the horizon
// (read off FAXPIPE_EVENTS, one account at a time, on first need), or
// emitted earlier in this dry run, is a duplicate; any other would be a new
// event, and every rejection would be recorded.
type DryRun struct {
	js      jetstream.JetStream
	horizon Horizon
	now     func() time.Time
	mu      sync.Mutex
	known   map[string]map[string]bool // by account's event filter: ids published or claimed
}

// NewDryRun reads the horizon; it writes nothing.
func NewDryRun(ctx context.Context, js jetstream.JetStream) (*DryRun, error) {
	h, err := DedupeHorizon(ctx, js)
	if err != nil {
		return nil, err
	}
	return &DryRun{js: js, horizon: h, now: time.Now, known: map[string]map[string]bool{}}, nil
}

// Horizon is the events stream's duplicate window.
func (d *DryRun) Horizon() Horizon { return d.horizon }

// Event is what Publisher.Event would come to, without publishing.
func (d *DryRun) Event(ctx context.Context, e Emission) (Kind, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	filter := fax.EventSubject(e.Event.Provider, e.Event.Account, "", "", "")
	ids, ok := d.known[filter]
	if !ok {
		var err error
		var since time.Time // the whole window the broker remembers
		if d.horizon.TTL > 0 {
			since = d.now().Add(-d.horizon.TTL)
		}
		if ids, err = stream.MsgIDs(ctx, d.js, fax.EventsStream, filter, since); err != nil {
			return "", err
		}
		d.known[filter] = ids
	}
	if ids[e.ID] {
		return Duplicate, nil
	}
	ids[e.ID] = true
	return Event, nil
}

// Reject records nothing.
func (d *DryRun) Reject(context.Context, fax.Rejected, string) error { return nil }
