package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// recordPolicy spaces the attempts at recording a published event's id.
var recordPolicy = consume.Backoff{Initial: 200 * time.Millisecond, Max: time.Second, Jitter: consume.Jittered}

// recordAttempts bounds them.
const recordAttempts = 5

// Publisher is the live Emitter: events on FAXPIPE_EVENTS, exactly once
// per id within the dedupe horizon, and rejections on FAXPIPE_REJECTED.
type Publisher struct {
	js      jetstream.JetStream
	dedupe  jetstream.KeyValue
	horizon Horizon
	log     *zap.Logger
}

// NewPublisher opens the dedupe bucket, reads its horizon, and returns the
// publisher; log hears of every event and rejection.
func NewPublisher(ctx context.Context, js jetstream.JetStream, log *zap.Logger) (*Publisher, error) {
	kv, err := js.KeyValue(ctx, fax.DedupeBucket)
	if err != nil {
		return nil, fmt.Errorf("dedupe bucket: %w", err)
	}
	h, err := horizonOf(ctx, kv)
	if err != nil {
		return nil, err
	}
	return &Publisher{js: js, dedupe: kv, horizon: h, log: log}, nil
}

// Horizon is the dedupe bucket's, as read when the publisher was made.
func (p *Publisher) Horizon() Horizon { return p.horizon }

// Event publishes e exactly once per event id within the dedupe horizon:
// an id recorded in the KV bucket is a duplicate; otherwise the event is
// published with Nats-Msg-Id = its id and then recorded. A crash between
// the two is covered by the stream's duplicate window: the redelivered
// message publishes again, JetStream drops it as a duplicate, and the id is
// recorded then. Two processors racing on one id are covered the same way.
// Whatever goes wrong, an event is never lost: at worst (a crash between
// publish and record, and no redelivery within the duplicate window) it is
// published twice, with the same id.
//
// (Claiming the id before publishing would save a round trip, but a claim
// whose publish never happened would hide the event for good; measured, it
// gained 1 point of throughput. See the README's "Performance".)
func (p *Publisher) Event(ctx context.Context, e Emission) (Kind, error) {
	if _, err := p.dedupe.Get(ctx, e.ID); err == nil {
		return Duplicate, nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return "", fmt.Errorf("dedupe lookup: %w", err)
	}
	msg := nats.NewMsg(e.Subject)
	msg.Data = e.Data
	msg.Header.Set(jetstream.MsgIDHeader, e.ID)
	tracing.Inject(ctx, msg.Header)
	ack, err := p.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(fax.EventsStream))
	if err != nil {
		return "", fmt.Errorf("publish event: %w", err)
	}
	if err := p.record(ctx, e.ID, ack.Sequence); err != nil {
		return "", fmt.Errorf("record event id: %w", err)
	}
	if ack.Duplicate {
		return Duplicate, nil
	}
	ev := e.Event
	p.log.Info("event published",
		zap.String("id", e.ID), zap.String("type", ev.Type()), zap.String("provider", string(ev.Provider)),
		zap.String("account", ev.Account), zap.String("fax_id", ev.FaxID), zap.Uint64("seq", ack.Sequence),
		logging.Phone(p.log, "from", partyRaw(ev.From)), logging.Phone(p.log, "to", partyRaw(ev.To)))
	return Event, nil
}

func partyRaw(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Raw
}

// record remembers id as published. It retries in process, each attempt
// with time of its own, even once ctx has ended: the event is out, and
// handing the message back would let a redelivery outside the duplicate
// window publish it again.
func (p *Publisher) record(ctx context.Context, id string, seq uint64) error {
	own := context.WithoutCancel(ctx)
	b := backoff.WithContext(backoff.WithMaxRetries(recordPolicy.New(0), recordAttempts-1), own)
	return backoff.Retry(func() error {
		actx, cancel := context.WithTimeout(own, messageTimeout)
		defer cancel()
		_, err := p.dedupe.Create(actx, id, []byte(strconv.FormatUint(seq, 10)))
		if errors.Is(err, jetstream.ErrKeyExists) {
			return nil
		}
		return err
	}, b)
}

// Reject publishes r on FAXPIPE_REJECTED with Nats-Msg-Id msgID.
func (p *Publisher) Reject(ctx context.Context, r fax.Rejected, msgID string) error {
	data, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode rejection: %w", err)
	}
	msg := nats.NewMsg(r.Subject())
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	tracing.Inject(ctx, msg.Header)
	if _, err := p.js.PublishMsg(ctx, msg, jetstream.WithExpectStream(fax.RejectedStream)); err != nil {
		return fmt.Errorf("publish rejection: %w", err)
	}
	p.log.Info("callback rejected",
		zap.String("provider", string(r.Provider)), zap.String("account", r.Account),
		zap.String("reason", string(r.Reason)), zap.String("detail", r.Detail), zap.Uint64("raw_seq", r.RawSeq))
	return nil
}
