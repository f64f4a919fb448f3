package processor

import (
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
	Kind     Kind         `json:"kind,omitempty"`
	Provider fax.Provider `json:"-"`                  // of the callback, "unknown" when unreadable (for metrics)
	EventID  string       `json:"event_id,omitempty"` // Event and Duplicate: the event's id
	Subject  string       `json:"subject,omitempty"`  // Event and Duplicate: the event's subject; Rejected: the rejection's
	Reason   fax.Reason   `json:"reason,omitempty"`   // Rejected
	Detail   string       `json:"detail,omitempty"`   // Rejected: the error, for people
}

// Message is what processing reads of a raw message: a delivery of the
// processor's consumer (jetstream.Msg), or a message read back from the
// stream (Raw).
type Message interface {
	Subject() string
	Data() []byte
	Metadata() (*jetstream.MsgMetadata, error)
}

// Raw is a raw callback as stored in FAXPIPE_RAW, read back for a replay
// or a re-drive. It is a Message whose metadata never fails.
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
