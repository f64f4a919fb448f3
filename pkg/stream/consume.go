package stream

import (
	"context"
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
// it acks, naks or terminates it. onErr receives the consumer's
// asynchronous errors (heartbeats missed, reconnects).
func ConsumeWorkers(ctx context.Context, cons jetstream.Consumer, workers int, handle func(jetstream.Msg), onErr func(error)) error {
	work := make(chan jetstream.Msg)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for m := range work {
				handle(m)
			}
		})
	}
	defer wg.Wait()
	defer close(work)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case work <- m:
		case <-ctx.Done():
			_ = m.Nak()
		}
	},
		jetstream.PullMaxMessages(2*workers),
		jetstream.PullExpiry(pullExpiry),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) { onErr(err) }),
	)
	if err != nil {
		return err
	}
	<-ctx.Done()
	cc.Drain() // buffered messages reach the callback, which hands them back
	<-cc.Closed()
	return nil
}
