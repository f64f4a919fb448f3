package processor

import (
	"context"
	"fmt"
	"runtime/debug"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// Replayer processes raw callbacks read back from FAXPIPE_RAW — for a
// replay or a re-drive — through the very Pipeline the running processor
// applies to its deliveries, without its consumer. It is safe for
// concurrent use.
type Replayer struct {
	deps     Deps
	pipeline *Pipeline
}

// NewReplayer is the Replayer that publishes as the processor does
// (Publisher). Log lines per event and per rejection are dropped (below
// warn), and nothing is counted (deps.Registry is not used): the caller
// sums outcomes up.
func NewReplayer(ctx context.Context, deps Deps) (*Replayer, error) {
	if deps.Log == nil {
		deps.Log = zap.NewNop()
	}
	deps.Log = deps.Log.WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	pub, err := NewPublisher(ctx, deps.Conn, deps.Log)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &Replayer{deps: deps, pipeline: NewPipeline(deps.Normalizer, pub, deps.Now)}, nil
}

// DryRun is a Replayer that processes the same way but ends in a DryRun
// emitter: it publishes and records nothing, and remembers the events it
// would have published, so that a second callback of the same fax counts
// as the duplicate it would be.
func (r *Replayer) DryRun(ctx context.Context) (*Replayer, error) {
	dry, err := NewDryRun(ctx, r.deps.Conn.JS)
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	return &Replayer{deps: r.deps, pipeline: NewPipeline(r.deps.Normalizer, dry, r.deps.Now)}, nil
}

// Reprocess processes raw once, within the processor's per-message
// deadline. A panic is a *consume.PanicError, like a transient fault; the caller decides whether to try again (there is no
// redelivery to count).
func (r *Replayer) Reprocess(ctx context.Context, raw Raw) (out Outcome, err error) {
	ctx, cancel := context.WithTimeout(ctx, messageTimeout)
	defer cancel()
	defer func() {
		if v := recover(); v != nil {
			err = &consume.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return r.pipeline.Process(ctx, raw)
}
