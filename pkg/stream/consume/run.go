package consume

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"
)

// pullExpiry bounds each pull request. nats.go's Consume can miss a refill
// when the last buffered message is handled while its previous pull request
// is still being sent; nothing asks again until the heartbeats of the open
// request are missed, which is two thirds of its expiry. Short pulls turn
// that stall from the default 30 s into a few seconds.
const pullExpiry = 5 * time.Second

// Options say how Run consumes.
type Options struct {
	// Workers is how many messages are handled at once (at least 1).
	Workers int
	// AckWait is the consumer's: a fetched message waiting for a free
	// worker is kept alive every third of it.
	AckWait time.Duration
	// Timeout bounds the handling of one message (0: none).
	Timeout time.Duration
	// FinishInHand lets a handler that has started finish after Run's ctx
	// ends (bounded by Timeout) instead of seeing its ctx end.
	FinishInHand bool
	// Backoff is the delay between deliveries of a failing message.
	Backoff Backoff
	Log     *zap.Logger // nil: no logs
}

// Run hands the messages of cons to h on opts.Workers goroutines and
// settles each with its result (Settle), until ctx ends; then it stops
// fetching, waits for the handlers in progress, and hands back (Nak) the
// messages fetched but not yet started, so another replica takes them at
// once. At most about one message per worker is fetched ahead, and one
// waiting for a worker is kept alive, so none is redelivered for having
// waited. A delivery still on the wire when the subscription closes is
// redelivered after AckWait. Run returns an error if consuming stops on its
// own (the consumer was deleted, say), so that the service fails instead
// of idling.
func Run(ctx context.Context, cons jetstream.Consumer, opts Options, h Handler) error {
	log := opts.Log
	if log == nil {
		log = zap.NewNop()
	}
	msgCtx := ctx
	if opts.FinishInHand {
		msgCtx = context.WithoutCancel(ctx)
	}
	handle := func(m jetstream.Msg) {
		hctx, cancel := msgCtx, context.CancelFunc(func() {})
		if opts.Timeout > 0 {
			hctx, cancel = context.WithTimeout(msgCtx, opts.Timeout)
		}
		defer cancel()
		// A handler's own deadline is a failure like any other (retried
		// after a delay); only the service stopping hands a message back
		// at once, and not even that when handlers finish what they hold.
		Settle(msgCtx, m, h(hctx, m), opts.Backoff, log)
	}
	return workers(ctx, cons, max(opts.Workers, 1), opts.AckWait, handle,
		func(err error) { log.Debug("consume", zap.Error(err)) })
}

// workers runs handle on the messages of cons from n goroutines until ctx
// ends (see Run).
func workers(ctx context.Context, cons jetstream.Consumer, n int, ackWait time.Duration, handle func(jetstream.Msg), onErr func(error)) error {
	// work is never closed: nats.go may still be inside the callback when
	// its Closed channel fires. Workers stop on quit; a message offered
	// after that is handed back.
	work, quit := make(chan jetstream.Msg), make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for {
				select {
				case m := <-work:
					handle(m)
				case <-quit:
					return
				}
			}
		})
	}
	defer wg.Wait()
	defer close(quit)
	keepAlive := max(ackWait/3, minKeepAlive)
	cc, err := cons.Consume(func(m jetstream.Msg) { handOver(ctx, quit, work, m, keepAlive) },
		jetstream.PullMaxMessages(n),
		jetstream.PullExpiry(pullExpiry),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) { onErr(err) }),
	)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-cc.Closed():
		return errors.New("consuming stopped before the service did: consumer deleted, stream gone or connection closed")
	}
	cc.Drain() // buffered messages reach the callback, which hands them back
	<-cc.Closed()
	return nil
}

// handOver gives m to a worker, keeping it alive while all are busy, or
// hands it back once ctx ends or the workers have stopped.
func handOver(ctx context.Context, quit <-chan struct{}, work chan<- jetstream.Msg, m jetstream.Msg, keepAlive time.Duration) {
	if ctx.Err() != nil { // stopping: do not start new work
		_ = m.Nak()
		return
	}
	t := time.NewTimer(keepAlive)
	defer t.Stop()
	for {
		select {
		case work <- m:
			return
		case <-ctx.Done():
			_ = m.Nak()
			return
		case <-quit:
			_ = m.Nak()
			return
		case <-t.C:
			_ = m.InProgress()
			t.Reset(keepAlive)
		}
	}
}
