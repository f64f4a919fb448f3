// Package replay runs raw callbacks stored in FAXPIPE_RAW through the
// processor again: a time range of them (a replay) or those behind
// rejections (a re-drive), after a configuration fix say. Dedupe makes
// either safe to repeat: an event already published is counted as a
// duplicate, never published twice.
//
// The processing itself is the processor's own (processor.Replayer, the
// processor's Pipeline without its consumer); this package selects the
// callbacks, runs them with bounded concurrency, retries transient faults
// and sums up.
package replay

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/processor"
)

// rawOf is the processor.Raw of a message read from FAXPIPE_RAW.
func rawOf(m jetstream.Msg) (processor.Raw, error) {
	meta, err := m.Metadata()
	if err != nil {
		return processor.Raw{}, err
	}
	return processor.NewRaw(m.Subject(), m.Data(), meta.Sequence.Stream, meta.Timestamp), nil
}

// Reprocessor runs raw callbacks through the processor: FromProcessor's,
// or a test's.
type Reprocessor interface {
	// Reprocess processes raw once; an error is a transient fault.
	Reprocess(ctx context.Context, raw processor.Raw) (processor.Outcome, error)
	// DryRun is a Reprocessor that processes the same way but publishes
	// and records nothing.
	DryRun(ctx context.Context) (Reprocessor, error)
}

// FromProcessor is the processor's own processing (processor.Replayer) as
// a Reprocessor.
func FromProcessor(r *processor.Replayer) Reprocessor { return replayer{r} }

type replayer struct{ *processor.Replayer }

func (r replayer) DryRun(ctx context.Context) (Reprocessor, error) {
	dry, err := r.Replayer.DryRun(ctx)
	if err != nil {
		return nil, err
	}
	return replayer{dry}, nil
}
