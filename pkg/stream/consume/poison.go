package consume

import (
	"context"

	"github.com/nats-io/nats.go/jetstream"
)

// Poison hands give the failures of next that will not heal: a Permanent
// error, or any error on delivery maxDeliver or later (maxDeliver > 0),
// unless transient(err) says the failure is not the message's fault (a
// broker that does not answer, say), which is retried however long it
// lasts. give records the message where people will see it (a rejection, a
// report, a failed announcement) and returns what to settle: nil to ack,
// Permanent to terminate, another error to try again (the record could not
// be stored). A failure whose ctx has ended (the service stopping, or the
// handler's own deadline) is never poison: it is retried.
func Poison(next Handler, maxDeliver int, transient func(error) bool, give func(ctx context.Context, m jetstream.Msg, cause error) error) Handler {
	return func(ctx context.Context, m jetstream.Msg) error {
		err := next(ctx, m)
		if err == nil || ctx.Err() != nil {
			return err
		}
		last := maxDeliver > 0 && deliveries(m) >= uint64(maxDeliver)
		if !IsPermanent(err) && (!last || (transient != nil && transient(err))) {
			return err
		}
		return give(ctx, m, err)
	}
}
