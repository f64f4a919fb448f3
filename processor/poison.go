package processor

import (
	"context"
	"fmt"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// rejectPoison rejects a message that still fails on its last allowed
// delivery (processing_failed), so it neither blocks those behind it nor
// disappears when JetStream stops redelivering it.
func (p *Processor) rejectPoison(next handler) handler {
	return func(ctx context.Context, m rawMsg) (reprocess.Outcome, error) {
		out, err := next(ctx, m)
		if err == nil {
			return out, nil
		}
		meta, metaErr := m.Metadata()
		if metaErr != nil || meta.NumDelivered < uint64(max(p.cfg.MaxDeliver, 0)) {
			return out, err
		}
		p.deps.Log.Error("message keeps failing; rejecting it", zap.Uint64("deliveries", meta.NumDelivered), zap.Error(err))
		raw, _ := decode(m)
		// The failure may have used up ctx (a slow broker): the rejection
		// gets time of its own. If it cannot be stored either, the message
		// is redelivered and rejected then.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), messageTimeout)
		defer cancel()
		return p.reject(ctx, m, raw, fmt.Errorf("failed %d deliveries, last: %w: %w", meta.NumDelivered, err, fax.ReasonProcessingFailed))
	}
}
