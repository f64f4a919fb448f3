package consume

import (
	"context"
	"errors"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// maxReason bounds the reason sent with a Term.
const maxReason = 200

// Settle maps a handler's result onto JetStream (see the package doc).
// ctx is the handler's: when it has ended, a failed message is handed back
// at once rather than delayed. A failed ack or nak is only logged: the
// message comes back after AckWait, and handlers are idempotent.
func Settle(ctx context.Context, m jetstream.Msg, err error, policy Backoff, log *zap.Logger) {
	var (
		settleErr error
		retryIn   *retryInError
	)
	switch {
	case err == nil:
		settleErr = m.Ack()
	case ctx.Err() != nil:
		settleErr = m.Nak()
	case IsPermanent(err):
		log.Error("giving up on a message", zap.String("subject", m.Subject()),
			zap.Uint64("deliveries", deliveries(m)), zap.Error(err))
		settleErr = m.TermWithReason(truncate(err.Error(), maxReason))
	default:
		delay := policy.Delay(deliveries(m))
		if errors.As(err, &retryIn) {
			delay = retryIn.delay
		}
		log.Warn("handling failed; retrying", zap.String("subject", m.Subject()),
			zap.Uint64("delivery", deliveries(m)), zap.Duration("in", delay), zap.Error(err))
		settleErr = m.NakWithDelay(delay)
	}
	if settleErr != nil {
		log.Warn("settling a message failed; it comes back after AckWait", zap.Error(settleErr))
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
