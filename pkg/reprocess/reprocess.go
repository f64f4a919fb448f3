// Package reprocess runs raw callbacks stored in FAXPIPE_RAW through the
// processor again: a time range of them (a replay) or those behind
// rejections (a re-drive), after a configuration fix say. Dedupe makes
// either safe to repeat: an event already published is counted as a
// duplicate, never published twice.
//
// The processing itself is the processor's own (processor.Replayer
// implements Reprocessor); this package selects the callbacks, runs them
// with bounded concurrency, retries transient faults and sums up.
package reprocess

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Kind is what processing a raw callback came to.
type Kind string

// The kinds of outcome: every raw callback ends as exactly one.
const (
	Event     Kind = "event"     // a new event was published
	Duplicate Kind = "duplicate" // its event was published before
	Rejected  Kind = "rejected"  // recorded in FAXPIPE_REJECTED with a reason
)

// Outcome is what processing one raw callback came to.
type Outcome struct {
	Kind    Kind
	EventID string     // Event and Duplicate: the event's id
	Subject string     // Event and Duplicate: the event's subject; Rejected: the rejection's
	Reason  fax.Reason // Rejected
	Detail  string     // Rejected: the error, for people
}

// Reprocessor processes raw callbacks exactly as the running processor
// does: decode, verify, normalize, dedupe, publish the event or the
// rejection. An error is a transient fault (the broker, say): trying again
// may succeed, and nothing was published for it.
type Reprocessor interface {
	Reprocess(ctx context.Context, raw Raw) (Outcome, error)
	// DryRun returns a Reprocessor that verifies, normalizes and looks up
	// dedupe the same way but publishes and records nothing. It remembers
	// the events it would have published, so that a second callback of the
	// same fax counts as the duplicate it would be.
	DryRun() (Reprocessor, error)
}

// Raw is a raw callback as stored in FAXPIPE_RAW. It offers what the
// processor reads of a delivered message (subject, data, metadata).
type Raw struct {
	subject string
	data    []byte
	meta    jetstream.MsgMetadata
}

// NewRaw is the raw message of stream sequence seq, stored at stored.
func NewRaw(subject string, data []byte, seq uint64, stored time.Time) Raw {
	return Raw{subject: subject, data: data, meta: jetstream.MsgMetadata{
		Sequence: jetstream.SequencePair{Stream: seq}, NumDelivered: 1, Timestamp: stored, Stream: fax.RawStream,
	}}
}

// rawOf is the Raw of a message read from FAXPIPE_RAW.
func rawOf(m jetstream.Msg) (Raw, error) {
	meta, err := m.Metadata()
	if err != nil {
		return Raw{}, err
	}
	return NewRaw(m.Subject(), m.Data(), meta.Sequence.Stream, meta.Timestamp), nil
}

// Subject is the raw subject, faxpipe.raw.{provider}.{account}.
func (r Raw) Subject() string { return r.subject }

// Data is the raw envelope's JSON.
func (r Raw) Data() []byte { return r.data }

// Metadata is the message's place in FAXPIPE_RAW; it never fails.
func (r Raw) Metadata() (*jetstream.MsgMetadata, error) {
	meta := r.meta
	return &meta, nil
}

// Seq is the raw message's stream sequence.
func (r Raw) Seq() uint64 { return r.meta.Sequence.Stream }
