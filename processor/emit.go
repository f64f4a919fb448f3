package processor

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// emit publishes ev exactly once per event id within the dedupe horizon:
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
func (p *Processor) emit(ctx context.Context, ev fax.Event) (reprocess.Outcome, error) {
	id := ev.ID()
	subject, data, err := ev.Encode()
	if err != nil {
		return reprocess.Outcome{}, &permanentError{fmt.Errorf("%w: %w", fax.ReasonMalformed, err)}
	}
	dup := reprocess.Outcome{Kind: reprocess.Duplicate, EventID: id, Subject: subject}
	if p.dry != nil {
		return p.dry.emit(ctx, p.dedupe, dup)
	}
	if _, err := p.dedupe.Get(ctx, id); err == nil {
		p.metrics.outcome(ev.Provider, outcomeDuplicate, "")
		return dup, nil
	} else if !errors.Is(err, jetstream.ErrKeyNotFound) {
		return reprocess.Outcome{}, fmt.Errorf("dedupe lookup: %w", err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, id)
	ack, err := p.deps.JS.PublishMsg(ctx, msg, jetstream.WithExpectStream(fax.EventsStream))
	if err != nil {
		return reprocess.Outcome{}, fmt.Errorf("publish event: %w", err)
	}
	if err := p.record(ctx, id, ack.Sequence); err != nil {
		return reprocess.Outcome{}, fmt.Errorf("record event id: %w", err)
	}
	if ack.Duplicate {
		p.metrics.outcome(ev.Provider, outcomeDuplicate, "")
		return dup, nil
	}
	p.metrics.outcome(ev.Provider, outcomeEvent, "")
	p.deps.Log.Info("event published",
		zap.String("id", id), zap.String("type", ev.Type()), zap.String("provider", string(ev.Provider)),
		zap.String("account", ev.Account), zap.String("fax_id", ev.FaxID), zap.Uint64("seq", ack.Sequence),
		logging.Phone(p.deps.Log, "from", partyRaw(ev.From)), logging.Phone(p.deps.Log, "to", partyRaw(ev.To)))
	return reprocess.Outcome{Kind: reprocess.Event, EventID: id, Subject: subject}, nil
}

func partyRaw(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Raw
}

// record remembers id as published. It retries in process, each attempt
// with time of its own: the event is out, and handing the message back
// would let a redelivery outside the duplicate window publish it again.
func (p *Processor) record(ctx context.Context, id string, seq uint64) error {
	var err error
	for attempt := range 5 {
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), messageTimeout)
		_, err = p.dedupe.Create(actx, id, []byte(strconv.FormatUint(seq, 10)))
		cancel()
		if err == nil || errors.Is(err, jetstream.ErrKeyExists) {
			return nil
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	return err
}

// permanentError is a failure that processing the message again would
// repeat: it is rejected at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
