package processor

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// Publisher is the live Emitter: events on FAXPIPE_EVENTS, exactly once
// per id within the dedupe horizon, and rejections on FAXPIPE_REJECTED.
type Publisher struct {
	batch   *stream.Batcher
	horizon Horizon
	log     *zap.Logger
}

// NewPublisher reads the dedupe horizon off FAXPIPE_EVENTS and returns the
// publisher; log hears of every event and rejection.
func NewPublisher(ctx context.Context, conn *stream.Conn, log *zap.Logger) (*Publisher, error) {
	h, err := DedupeHorizon(ctx, conn.JS)
	if err != nil {
		return nil, err
	}
	return &Publisher{batch: stream.NewBatcher(conn.NC, conn.Limits), horizon: h, log: log}, nil
}

// Horizon is the events stream's duplicate window, as read when the
// publisher was made.
func (p *Publisher) Horizon() Horizon { return p.horizon }

// Event publishes e exactly once per event id within the dedupe horizon,
// in one round trip, which goes out in a batch with the other workers'
// (stream.Batcher): the event goes out with Nats-Msg-Id = its id, and
// FAXPIPE_EVENTS, whose duplicate window is the horizon, stores it unless
// an event of that id is already in the window — then the acknowledgement
// says Duplicate. The broker makes the check and the store one step, so a
// crash anywhere, a redelivery, a replay, or two processors racing on one
// id all end with one event.
func (p *Publisher) Event(ctx context.Context, e Emission) (Kind, error) {
	msg := nats.NewMsg(e.Subject)
	msg.Data = e.Data
	msg.Header[jetstream.MsgIDHeader] = []string{e.ID}
	msg.Header[jetstream.ExpectedStreamHeader] = []string{fax.EventsStream}
	tracing.Inject(ctx, msg.Header)
	ack, err := p.batch.Publish(ctx, msg)
	if err != nil {
		return "", fmt.Errorf("publish event: %w", err)
	}
	if ack.Duplicate {
		return Duplicate, nil
	}
	ev := e.Event
	if ce := p.log.Check(zap.InfoLevel, "event published"); ce != nil {
		ce.Write(zap.String("id", e.ID), zap.String("type", ev.Type()), zap.String("provider", string(ev.Provider)),
			zap.String("account", ev.Account), zap.String("fax_id", ev.FaxID), zap.Uint64("seq", ack.Sequence),
			logging.Phone(p.log, "from", partyRaw(ev.From)), logging.Phone(p.log, "to", partyRaw(ev.To)))
	}
	return Event, nil
}

func partyRaw(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Raw
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
	msg.Header.Set(jetstream.ExpectedStreamHeader, fax.RejectedStream)
	tracing.Inject(ctx, msg.Header)
	if _, err := p.batch.Publish(ctx, msg); err != nil {
		return fmt.Errorf("publish rejection: %w", err)
	}
	p.log.Info("callback rejected",
		zap.String("provider", string(r.Provider)), zap.String("account", r.Account),
		zap.String("reason", string(r.Reason)), zap.String("detail", r.Detail), zap.Uint64("raw_seq", r.RawSeq))
	return nil
}
