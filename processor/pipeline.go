package processor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
)

// handler processes one raw message. nil means the message is done (an
// event, a duplicate or a recorded rejection, as the outcome says) and may
// be acked; an error means a transient fault: try again later.
type handler func(ctx context.Context, m rawMsg) (reprocess.Outcome, error)

// rawMsg is what processing reads of a raw message: a delivery of the
// processor's consumer (jetstream.Msg), or a message read back from the
// stream for a replay or a re-drive (reprocess.Raw).
type rawMsg interface {
	Subject() string
	Data() []byte
	Metadata() (*jetstream.MsgMetadata, error)
}

// pipeline is the processing of one raw message with its wrappers: a panic
// is a failure, and a message that fails on its last delivery is rejected.
func (p *Processor) pipeline() handler {
	return p.rejectPoison(recoverPanics(p.process))
}

// process verifies and normalizes m and publishes the outcome: the event
// (once per id) or the rejection.
func (p *Processor) process(ctx context.Context, m rawMsg) (reprocess.Outcome, error) {
	raw, err := decode(m)
	if err != nil {
		return p.reject(ctx, m, raw, err)
	}
	ev, err := p.deps.Normalizer.Normalize(raw)
	if err != nil {
		if _, permanent := fax.ReasonOf(err); permanent {
			return p.reject(ctx, m, raw, err)
		}
		return reprocess.Outcome{}, err
	}
	out, err := p.emit(ctx, ev)
	var perm *permanentError
	if errors.As(err, &perm) {
		return p.reject(ctx, m, raw, perm.err)
	}
	return out, err
}

// decode reads the envelope of m. A message that is not one is malformed;
// raw then carries only the stream sequence.
func decode(m rawMsg) (fax.RawMessage, error) {
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
	if want := fax.RawSubject(env.Provider, env.Account); m.Subject() != want {
		return raw, fmt.Errorf("envelope of %s on subject %s: %w", want, m.Subject(), fax.ReasonMalformed)
	}
	raw.Envelope = &env
	return raw, nil
}

// subjectAccount is the provider and account of a raw subject
// faxpipe.raw.{provider}.{account}, for messages whose envelope is unreadable.
func subjectAccount(subject string) (fax.Provider, string) {
	parts := strings.Split(subject, ".")
	if len(parts) != 4 {
		return "unknown", "unknown"
	}
	return fax.Provider(parts[2]), parts[3]
}

var errPanic = errors.New("panic while processing")
