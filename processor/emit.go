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
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// emit publishes ev exactly once per event id within the dedupe horizon,
// in two broker round trips: it claims the id in the KV bucket (a create,
// which fails if the id is there), then publishes with Nats-Msg-Id = the id.
//
// An id already claimed is a duplicate, unless the claim is younger than the
// events stream's duplicate window (less a margin for clock skew): then the
// claimant may have crashed or failed between claiming and publishing, so
// the event is published again and JetStream drops it if the first publish
// happened. A failed publish gives its claim back, so that a later attempt
// (a redelivery, a replay, a re-drive) claims afresh.
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
	rev, err := p.dedupe.Create(ctx, id, []byte(subject))
	if errors.Is(err, jetstream.ErrKeyExists) {
		var fresh bool
		if fresh, err = p.freshClaim(ctx, id); err == nil && !fresh {
			p.metrics.outcome(ev.Provider, outcomeDuplicate, "")
			return dup, nil
		}
	}
	if err != nil {
		return reprocess.Outcome{}, fmt.Errorf("dedupe claim: %w", err)
	}
	msg := nats.NewMsg(subject)
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, id)
	ack, err := p.deps.JS.PublishMsg(ctx, msg, jetstream.WithExpectStream(stream.EventsStream))
	if err != nil {
		p.releaseClaim(ctx, id, rev)
		return reprocess.Outcome{}, fmt.Errorf("publish event: %w", err)
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

// errClaimReleased is a claim given back between our create and our look:
// the message is tried again, to claim afresh.
var errClaimReleased = errors.New("claim released meanwhile")

// freshClaim reports whether the claim on id is young enough that its
// publish may not have happened and the stream would still drop a second.
func (p *Processor) freshClaim(ctx context.Context, id string) (bool, error) {
	e, err := p.dedupe.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return false, errClaimReleased
	}
	if err != nil {
		return false, err
	}
	return p.deps.Now().Sub(e.Created()) < p.republishWithin, nil
}

// releaseClaim deletes the claim made at rev (0: none was made), unless
// someone else's claim replaced it. It is best effort: a claim left behind
// is fresh for the duplicate window, so a retry within it still publishes.
func (p *Processor) releaseClaim(ctx context.Context, id string, rev uint64) {
	if rev == 0 {
		return
	}
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), messageTimeout)
	defer cancel()
	if err := p.dedupe.Delete(dctx, id, jetstream.LastRevision(rev)); err != nil {
		p.deps.Log.Warn("could not release a dedupe claim; a retry within the duplicate window still publishes",
			zap.String("id", id), zap.Error(err))
	}
}

// republishWindow is how young a claim must be for its event to be published
// again: the events stream's duplicate window less a margin for the clock
// difference between this process and the broker (a tenth, at most a minute).
func republishWindow(duplicates time.Duration) time.Duration {
	return duplicates - min(duplicates/10, time.Minute)
}

// permanentError is a failure that processing the message again would
// repeat: it is rejected at once.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }
