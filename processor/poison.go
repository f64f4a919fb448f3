package processor

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// rejectPoison rejects a message that still fails on its last allowed
// delivery (processing_failed), so it neither blocks those behind it nor
// disappears when JetStream stops redelivering it. A broker that does not
// answer is not the message's fault: such failures are retried (with the
// growing delay) until it does, however long, instead of turning every
// callback of an outage into a rejection.
func (p *Processor) rejectPoison(next handler) handler {
	return func(ctx context.Context, m rawMsg) (reprocess.Outcome, error) {
		out, err := next(ctx, m)
		if err == nil {
			return out, nil
		}
		meta, metaErr := m.Metadata()
		if metaErr != nil || meta.NumDelivered < uint64(max(p.cfg.MaxDeliver, 0)) || brokerUnavailable(err) {
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

// brokerUnavailable reports whether err is the broker not answering (a
// timeout, no responders, a lost connection), as opposed to an answer
// refusing the request (a JetStream API error) or a failure of our own.
func brokerUnavailable(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) || errors.Is(err, errPanic) {
		return false
	}
	for _, e := range []error{context.DeadlineExceeded, nats.ErrTimeout, nats.ErrNoResponders, jetstream.ErrNoStreamResponse,
		nats.ErrConnectionClosed, nats.ErrDisconnected, nats.ErrConnectionReconnecting, nats.ErrConnectionDraining} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
