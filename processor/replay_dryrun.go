package processor

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// dryRun is the state of a dry run: the processing is the same, but emit
// and reject write nothing, and the event ids it would have claimed are
// remembered here instead of in the dedupe bucket.
type dryRun struct {
	mu      sync.Mutex
	claimed map[string]bool
}

// emit is what emit would come to, without claiming or publishing: an id
// in the dedupe bucket, or claimed earlier in this dry run, is the
// duplicate dup; any other would be a new event.
func (d *dryRun) emit(ctx context.Context, dedupe jetstream.KeyValue, dup reprocess.Outcome) (reprocess.Outcome, error) {
	_, err := dedupe.Get(ctx, dup.EventID)
	if err == nil {
		return dup, nil
	}
	if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return reprocess.Outcome{}, fmt.Errorf("dedupe lookup: %w", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.claimed[dup.EventID] {
		return dup, nil
	}
	d.claimed[dup.EventID] = true
	ev := dup
	ev.Kind = reprocess.Event
	return ev, nil
}
