package stream

import (
	"context"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// attachPolicy tries every second: a service becomes ready within a
// second of its broker and topology.
var attachPolicy = consume.Backoff{Initial: time.Second, Max: time.Second}

// ensurePolicy spaces the attempts at creating the topology.
var ensurePolicy = consume.Backoff{Initial: 250 * time.Millisecond, Max: 5 * time.Second, Jitter: consume.Jittered}

// Attach creates or updates the durable consumer cc on stream and then runs
// open (the service's other buckets), retrying until both succeed or ctx
// ends, so a service can start before its broker or its topology exists.
// onWait hears why it is still waiting.
func Attach(ctx context.Context, js jetstream.JetStream, stream string, cc jetstream.ConsumerConfig, open func(context.Context) error, onWait func(error)) (jetstream.Consumer, error) {
	return retry(ctx, attachPolicy, func() (jetstream.Consumer, error) {
		cons, err := js.CreateOrUpdateConsumer(ctx, stream, cc)
		if err != nil {
			return nil, err
		}
		return cons, open(ctx)
	}, onWait)
}

// retry runs op, spaced by policy, until it succeeds or ctx ends (ctx's
// error); onErr hears every failure.
func retry[T any](ctx context.Context, policy consume.Backoff, op func() (T, error), onErr func(error)) (T, error) {
	return backoff.RetryNotifyWithData(func() (T, error) {
		v, err := op()
		if err != nil && ctx.Err() != nil {
			return v, backoff.Permanent(ctx.Err())
		}
		return v, err
	}, backoff.WithContext(policy.New(0), ctx), func(err error, _ time.Duration) { onErr(err) })
}
