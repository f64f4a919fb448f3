package processor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// DryRun is the Emitter of a dry run: it writes nothing, and says what the
// Publisher would have done. An event id in the dedupe bucket, or emitted
// earlier in this dry run, is a duplicate; any other would be a new event,
// and every rejection would be recorded.
type DryRun struct {
	dedupe  jetstream.KeyValue
	horizon Horizon
	mu      sync.Mutex
	claimed map[string]bool
}

// NewDryRun opens the dedupe bucket, read only.
func NewDryRun(ctx context.Context, js jetstream.JetStream) (*DryRun, error) {
	kv, err := js.KeyValue(ctx, fax.DedupeBucket)
	if err != nil {
		return nil, fmt.Errorf("dedupe bucket: %w", err)
	}
	h, err := horizonOf(ctx, kv)
	if err != nil {
		return nil, err
	}
	return &DryRun{dedupe: kv, horizon: h, claimed: map[string]bool{}}, nil
}

// Horizon is the dedupe bucket's.
func (d *DryRun) Horizon() Horizon { return d.horizon }

// Event is what Publisher.Event would come to, without publishing.
func (d *DryRun) Event(ctx context.Context, e Emission) (Kind, error) {
	_, err := d.dedupe.Get(ctx, e.ID)
	if err == nil {
		return Duplicate, nil
	}
	if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", fmt.Errorf("dedupe lookup: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.claimed[e.ID] {
		return Duplicate, nil
	}
	d.claimed[e.ID] = true
	return Event, nil
}

// Reject records nothing.
func (d *DryRun) Reject(context.Context, fax.Rejected, string) error { return nil }
