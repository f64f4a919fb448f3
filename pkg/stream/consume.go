package stream

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// pullExpiry bounds each pull request. nats.go's Consume can miss a refill
// when the last buffered message is handled while its previous pull request
// is still being sent; nothing asks again until the heartbeats of the open
// request are missed, which is two thirds of its expiry. Short pulls turn
// that stall from the default 30 s into a few seconds.
const pullExpiry = 5 * time.Second

// ConsumeWorkers runs handle on the messages of cons from workers
// goroutines until ctx ends; then it stops fetching, waits for the handlers
// in progress, and hands back (Nak) the messages fetched but not yet
// started, so another replica takes them at once. handle owns the message:
// it acks, naks or terminates it. A fetched message waiting for a free
// worker is kept alive (InProgress every third of ackWait), and at most
// about one message per worker is fetched ahead, so none is redelivered
// for having waited. onErr receives the consumer's asynchronous errors.
// A delivery still on the wire when the subscription closes is redelivered
// after ackWait. It returns an error if consuming stops on its own (the consumer was
// deleted, say), so that the service fails instead of idling.
func ConsumeWorkers(ctx context.Context, cons jetstream.Consumer, workers int, ackWait time.Duration, handle func(jetstream.Msg), onErr func(error)) error {
	// work is never closed: nats.go may still be inside the callback when
	// its Closed channel fires. Workers stop on quit; a message offered
	// after that is handed back.
	work, quit := make(chan jetstream.Msg), make(chan struct{})
	var wg sync.WaitGroup
	for range workers {
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
		jetstream.PullMaxMessages(workers),
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

// Attach creates or updates the durable consumer cc on stream and then runs
// open (the service's other buckets), retrying every second until both
// succeed or ctx ends, so a service can start before its broker or its
// topology exists. onWait hears why it is still waiting.
func Attach(ctx context.Context, js jetstream.JetStream, stream string, cc jetstream.ConsumerConfig, open func(context.Context) error, onWait func(error)) (jetstream.Consumer, error) {
	for {
		cons, err := js.CreateOrUpdateConsumer(ctx, stream, cc)
		if err == nil {
			err = open(ctx)
		}
		if err == nil {
			return cons, nil
		}
		onWait(err)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
