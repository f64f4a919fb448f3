package stream

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// waitPolicy is how a service waits for its broker and topology: retried
// with the one backoff policy, never giving up while its context lasts.
var waitPolicy = consume.Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second}

// Attach creates or updates the durable consumer cc on stream and then runs
// open (the service's other buckets), retrying until both succeed or ctx
// ends, so a service can start before its broker or its topology exists.
// onWait hears why it is still waiting.
func Attach(ctx context.Context, js jetstream.JetStream, stream string, cc jetstream.ConsumerConfig, open func(context.Context) error, onWait func(error)) (jetstream.Consumer, error) {
	return retry(ctx, func() (jetstream.Consumer, error) {
		cons, err := js.CreateOrUpdateConsumer(ctx, stream, cc)
		if err != nil {
			return nil, err
		}
		return cons, open(ctx)
	}, onWait)
}

// retry runs op with waitPolicy until it succeeds or ctx ends (ctx's
// error); onErr hears every failure.
func retry[T any](ctx context.Context, op func() (T, error), onErr func(error)) (T, error) {
	return backoff.RetryNotifyWithData(func() (T, error) {
		v, err := op()
		if err != nil && ctx.Err() != nil {
			return v, backoff.Permanent(ctx.Err())
		}
		return v, err
	}, backoff.WithContext(waitPolicy.New(0), ctx), func(err error, _ time.Duration) { onErr(err) })
}
