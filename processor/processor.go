// Package processor turns raw callbacks into verified, deduplicated
// CloudEvents. Until it is built (issue 3) it starts, says so, and idles, so
// that `faxpipe all` already runs the whole shape of the pipeline.
package processor

import (
	"context"

	"go.uber.org/zap"
)

// Processor is the raw-stream consumer.
type Processor struct {
	log *zap.Logger
}

// New returns the processor.
func New(log *zap.Logger) *Processor { return &Processor{log: log} }

// Run idles until ctx ends.
func (p *Processor) Run(ctx context.Context) error {
	p.log.Warn("processor is not built yet: raw callbacks accumulate in FAXPIPE_RAW until it is")
	<-ctx.Done()
	return nil
}
