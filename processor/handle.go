package processor

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// consumeOptions are the consumer's under the one message-handling policy:
// a message in hand is finished when the processor stops (within its own
// deadline), and a failing one is delivered again after RetryDelay,
// doubling per delivery up to a minute.
func (p *Processor) consumeOptions() consume.Options {
	doubling := consume.Backoff{Initial: min(p.cfg.RetryDelay, time.Minute), Max: time.Minute, Multiplier: 2}
	return consume.Options{Workers: p.cfg.Concurrency, AckWait: p.cfg.AckWait, Timeout: messageTimeout,
		FinishInHand: true, Backoff: doubling, Log: p.deps.Log}
}

// handler processes a delivery through the pipeline: a panic is a
// failure, and a message that still fails on its last allowed delivery is
// rejected (processing_failed), so it neither blocks those behind it nor
// disappears when JetStream stops redelivering it. A broker that does not
// answer is not the message's fault: such failures are retried however
// long the outage lasts, instead of turning every callback of it into a
// rejection. With tracing on, each delivery is a span of the callback's
// trace.
func (p *Processor) handler() consume.Handler {
	return p.deps.Tracer.Consumer("process "+fax.RawStream,
		consume.Poison(consume.Recover(p.handle), p.cfg.MaxDeliver, brokerUnavailable, p.giveUp))
}

// handle processes m and counts its outcome.
func (p *Processor) handle(ctx context.Context, m jetstream.Msg) error {
	out, err := p.pipeline.Process(ctx, m)
	if err == nil {
		p.metrics.outcome(out)
		traceOutcome(ctx, out)
	}
	return err
}

// traceOutcome records out on ctx's span: ids and names, never the detail.
func traceOutcome(ctx context.Context, out Outcome) {
	sp := tracing.SpanFromContext(ctx)
	sp.SetString("faxpipe.outcome", string(out.Kind))
	sp.SetString("faxpipe.provider", string(out.Provider))
	if out.EventID != "" {
		sp.SetString("faxpipe.event_id", out.EventID)
	}
	if out.Reason != "" {
		sp.SetString("faxpipe.reason", string(out.Reason))
	}
}

// giveUp rejects m, which kept failing with cause.
func (p *Processor) giveUp(ctx context.Context, m jetstream.Msg, cause error) error {
	var n uint64
	if meta, err := m.Metadata(); err == nil {
		n = meta.NumDelivered
	}
	log := p.deps.Log
	var panicked *consume.PanicError
	if errors.As(cause, &panicked) {
		log = log.With(zap.ByteString("stack", panicked.Stack))
	}
	log.Error("message keeps failing; rejecting it", zap.Uint64("deliveries", n), zap.Error(cause))
	// The failure may have used up ctx (a slow broker): the rejection gets
	// time of its own. If it cannot be stored either, the message is
	// redelivered and rejected then.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), messageTimeout)
	defer cancel()
	out, err := p.pipeline.Reject(ctx, m, fmt.Errorf("failed %d deliveries, last: %w: %w", n, cause, fax.ReasonProcessingFailed))
	if err == nil {
		p.metrics.outcome(out)
		traceOutcome(ctx, out)
	}
	return err
}

// brokerUnavailable reports whether err is the broker not answering (a
// timeout, no responders, a lost connection) or not able to store (a full
// FAXPIPE_EVENTS), as opposed to an answer refusing the request (any other
// JetStream API error) or a failure of our own. Neither is the message's
// fault: it is retried until there is room, never rejected, so an event
// that cannot be stored is never acked as processed.
func brokerUnavailable(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) { // an answer: only "full" is the broker's state, not a refusal
		return stream.IsFull(err)
	}
	if errors.Is(err, consume.ErrPanic) {
		return false
	}
	for _, e := range []error{context.DeadlineExceeded, nats.ErrTimeout, nats.ErrNoResponders, jetstream.ErrNoStreamResponse,
		jetstream.ErrAsyncPublishTimeout, jetstream.ErrTooManyStalledMsgs, nats.ErrConnectionClosed, nats.ErrDisconnected, nats.ErrConnectionReconnecting, nats.ErrConnectionDraining} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}
