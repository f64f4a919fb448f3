package processor

import (
	"context"
	"fmt"
	"time"

	"github.com/goccy/go-json"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Emitter is where processing ends: the live one publishes to JetStream
// (NewPublisher), a dry run's only says what would be published
// (NewDryRun). Both must be safe for concurrent use.
type Emitter interface {
	// Event publishes e's event once per id: the kind is Event, or
	// Duplicate when the id was published before. An error is transient.
	Event(ctx context.Context, e Emission) (Kind, error)
	// Reject records r under msgID (its Nats-Msg-Id). An error is
	// transient.
	Reject(ctx context.Context, r fax.Rejected, msgID string) error
	// Horizon is how long event ids are remembered: the Pipeline accepts
	// no callback from before it.
	Horizon() Horizon
}

// Emission is an event ready to publish.
type Emission struct {
	Event fax.Event
	fax.Encoded
}

// Pipeline is the processing of one raw callback: decode the envelope,
// verify and normalize it, then emit the event or the rejection. The
// running processor and every replay or re-drive use it; only the Emitter
// differs. It is safe for concurrent use.
type Pipeline struct {
	normalizer fax.Normalizer
	emitter    Emitter
	now        func() time.Time
}

// NewPipeline is the processing of n's providers ending in e; now stamps
// rejections (time.Now if nil).
func NewPipeline(n fax.Normalizer, e Emitter, now func() time.Time) *Pipeline {
	if now == nil {
		now = time.Now
	}
	return &Pipeline{normalizer: n, emitter: e, now: now}
}

// Process verifies and normalizes m and emits the outcome: the event (once
// per id) or the rejection. A callback received before the emitter's
// Horizon, or of a fax the provider says completed before it, is rejected:
// its event may have been published and forgotten since. nil means m is
// done, as the outcome says; an error is a transient fault: process it
// again later.
func (p *Pipeline) Process(ctx context.Context, m Message) (Outcome, error) {
	raw, err := decode(m)
	if err != nil {
		return p.Reject(ctx, m, err)
	}
	now := p.now()
	if err := p.emitter.Horizon().checkReceived(raw.Envelope, now); err != nil {
		return p.Reject(ctx, m, err)
	}
	ev, err := p.normalizer.Normalize(raw)
	if err != nil {
		if _, permanent := fax.ReasonOf(err); permanent {
			return p.Reject(ctx, m, err)
		}
		return Outcome{}, err
	}
	if err := p.emitter.Horizon().checkCompleted(ev, now); err != nil {
		return p.Reject(ctx, m, err)
	}
	enc, err := ev.Encode()
	if err != nil {
		return p.Reject(ctx, m, fmt.Errorf("%w: %w", fax.ReasonMalformed, err))
	}
	e := Emission{Event: ev, Encoded: enc}
	kind, err := p.emitter.Event(ctx, e)
	if err != nil {
		return Outcome{}, err
	}
	return Outcome{Kind: kind, Provider: ev.Provider, EventID: e.ID, Subject: e.Subject}, nil
}

// decode reads the envelope of m. A message that is not one is malformed;
// raw then carries only the stream sequence.
func decode(m Message) (fax.RawMessage, error) {
	var raw fax.RawMessage
	if meta, err := m.Metadata(); err == nil {
		raw.StreamSeq = meta.Sequence.Stream
	}
	var env fax.Envelope
	if err := json.Unmarshal(m.Data(), &env); err != nil {
		return raw, fmt.Errorf("envelope is not JSON: %w: %w", err, fax.ReasonMalformed)
	}
	if env.ID == "" || env.Provider == "" || env.Account == "" {
		return raw, fmt.Errorf("envelope lacks id, provider or account: %w", fax.ReasonMalformed)
	}
	if want := env.Subject(); m.Subject() != want {
		return raw, fmt.Errorf("envelope of %s on subject %s: %w", want, m.Subject(), fax.ReasonMalformed)
	}
	raw.Envelope = &env
	return raw, nil
}
