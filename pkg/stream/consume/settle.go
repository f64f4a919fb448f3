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
// ctx says whether the service is stopping: when it has ended, a failed
// message is handed back at once rather than delayed (Run passes the
// service's context, never a handler's own deadline). A failed ack or nak
// is only logged: the message comes back after AckWait, and handlers are
// idempotent.
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
		log.Error("giving up on a message", msgFields(m, err)...)
		settleErr = m.TermWithReason(truncate(err.Error(), maxReason))
	default:
		delay := policy.Delay(deliveries(m))
		if errors.As(err, &retryIn) {
			delay = retryIn.delay
		}
		log.Warn("handling failed; retrying", append(msgFields(m, err), zap.Duration("in", delay))...)
		settleErr = m.NakWithDelay(delay)
	}
	if settleErr != nil {
		log.Warn("settling a message failed; it comes back after AckWait", zap.Error(settleErr))
	}
}

// msgFields describe m and its failure err in a log line.
func msgFields(m jetstream.Msg, err error) []zap.Field {
	fields := []zap.Field{zap.String("subject", m.Subject()), zap.Error(err)}
	if meta, mErr := m.Metadata(); mErr == nil {
		fields = append(fields, zap.String("stream", meta.Stream), zap.Uint64("seq", meta.Sequence.Stream),
			zap.Uint64("deliveries", meta.NumDelivered))
	}
	var p *PanicError
	if errors.As(err, &p) {
		fields = append(fields, zap.ByteString("stack", p.Stack))
	}
	return fields
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
