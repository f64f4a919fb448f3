package processor

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// Replayer processes raw callbacks read back from FAXPIPE_RAW — for a
// replay or a re-drive — through the very processing the running processor
// applies to its deliveries (decode, verify, normalize, dedupe, publish or
// reject), without its consumer. It implements reprocess.Reprocessor and is
// safe for concurrent use.
type Replayer struct {
	cfg  config.Processor
	deps Deps
	p    *Processor
}

// NewReplayer opens the dedupe bucket and returns the Replayer. A nil
// deps.Registry counts into a registry of its own. Log lines per event and
// per rejection are dropped (below warn): the caller sums outcomes up.
func NewReplayer(ctx context.Context, cfg config.Processor, deps Deps) (*Replayer, error) {
	if deps.Log == nil {
		deps.Log = zap.NewNop()
	}
	deps.Log = deps.Log.WithOptions(zap.IncreaseLevel(zap.WarnLevel))
	if deps.Registry == nil {
		deps.Registry = prometheus.NewRegistry()
	}
	p, err := New(cfg, deps)
	if err != nil {
		return nil, err
	}
	if err := p.open(ctx); err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &Replayer{cfg: cfg, deps: deps, p: p}, nil
}

// Reprocess processes raw once, within the processor's per-message
// deadline. A panic is an error, like a transient fault; the caller decides
// whether to try again (there is no redelivery to count).
func (r *Replayer) Reprocess(ctx context.Context, raw reprocess.Raw) (reprocess.Outcome, error) {
	ctx, cancel := context.WithTimeout(ctx, messageTimeout)
	defer cancel()
	return recoverPanics(r.p.process)(ctx, raw)
}

// DryRun returns a Replayer that processes the same way but publishes and
// records nothing (see reprocess.Reprocessor).
func (r *Replayer) DryRun() (reprocess.Reprocessor, error) {
	deps := r.deps
	deps.Registry = prometheus.NewRegistry()
	p, err := New(r.cfg, deps)
	if err != nil {
		return nil, fmt.Errorf("dry run: %w", err)
	}
	p.dedupe = r.p.dedupe
	p.dry = &dryRun{claimed: map[string]bool{}}
	return &Replayer{cfg: r.cfg, deps: deps, p: p}, nil
}

var _ reprocess.Reprocessor = (*Replayer)(nil)
