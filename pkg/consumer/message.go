package consumer

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Message is one CloudEvent read from a stream: its attributes, its data
// as T, and where it sits in the stream.
type Message[T any] struct {
	// CloudEvents attributes. ID is deterministic (the same fax, outcome
	// and account always give the same id): use it to make handling
	// idempotent.
	ID      string
	Type    string // e.g. faxpipe.fax.inbound.received, faxpipe.document.stored
	Source  string // faxpipe/{provider}/{account}
	Subject string // the provider's fax id
	Time    time.Time
	Data    T

	Stream      string    // FAXPIPE_EVENTS or FAXPIPE_DOCUMENTS
	Seq         uint64    // stream sequence, for StartSeq
	NatsSubject string    // e.g. faxpipe.events.efax.acme.fax.inbound.received
	Stored      time.Time // when the stream stored it, for StartTime
	Deliveries  uint64    // 1 the first time, more when retried
	Raw         []byte    // the message as stored (CloudEvents JSON)
	// Header is the message's NATS headers. With tracing on they carry the
	// fax's trace (traceparent, tracestate): tracing.Extract(ctx, m.Header)
	// continues it.
	Header nats.Header
}

// structured is a CloudEvent in structured-mode JSON, data undecoded.
type structured struct {
	SpecVersion string          `json:"specversion"`
	ID          string          `json:"id"`
	Source      string          `json:"source"`
	Type        string          `json:"type"`
	Subject     string          `json:"subject"`
	Time        time.Time       `json:"time"`
	Data        json.RawMessage `json:"data"`
}

// errNotCloudEvent means a message is not a faxpipe CloudEvent.
var errNotCloudEvent = errors.New("not a CloudEvents 1.0 message with data")

// Decode reads m, a faxpipe CloudEvent, as a Message[T]: T is fax.Event
// for FAXPIPE_EVENTS, fax.DocumentAnnouncement for FAXPIPE_DOCUMENTS. For History scans and
// for callers with consumers of their own.
func Decode[T any](m jetstream.Msg) (Message[T], error) {
	var ce structured
	if err := json.Unmarshal(m.Data(), &ce); err != nil {
		return Message[T]{}, fmt.Errorf("%w: %w", errNotCloudEvent, err)
	}
	if ce.SpecVersion != "1.0" || ce.ID == "" || len(ce.Data) == 0 {
		return Message[T]{}, errNotCloudEvent
	}
	out := Message[T]{
		ID: ce.ID, Type: ce.Type, Source: ce.Source, Subject: ce.Subject, Time: ce.Time,
		NatsSubject: m.Subject(), Raw: m.Data(), Header: m.Headers(),
	}
	if err := json.Unmarshal(ce.Data, &out.Data); err != nil {
		return Message[T]{}, fmt.Errorf("data of %s: %w", ce.ID, err)
	}
	if meta, err := m.Metadata(); err == nil {
		out.Stream, out.Seq, out.Stored, out.Deliveries = meta.Stream, meta.Sequence.Stream, meta.Timestamp, meta.NumDelivered
	}
	return out, nil
}
