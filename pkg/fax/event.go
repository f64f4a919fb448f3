package fax

import (
	"encoding/json"
	"time"
)

// Channel is what kind of message an event is about.
type Channel string

// The channels.
const (
	ChannelFax Channel = "fax"
	ChannelSMS Channel = "sms"
)

// Direction says whether a message came to the account or left it.
type Direction string

// The directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// Outcome is what happened: a message received, delivered or failed, or a
// provider's test notification.
type Outcome string

// The outcomes.
const (
	OutcomeReceived  Outcome = "received"
	OutcomeDelivered Outcome = "delivered"
	OutcomeFailed    Outcome = "failed"
	OutcomePing      Outcome = "ping"
)

// Event is a normalized callback, the data of a CloudEvent on
// faxpipe.events.{provider}.{account}.{channel}.{direction}.{outcome}
// (schemas/fax-event.v1.json, $defs/data). Pointer and omitempty fields are
// those a provider may not give; they are absent from the JSON when unknown.
type Event struct {
	Provider  Provider  `json:"provider"`
	Account   string    `json:"account"`
	Channel   Channel   `json:"channel"`
	Direction Direction `json:"direction"`
	Outcome   Outcome   `json:"outcome"`
	Success   bool      `json:"success"`
	Test      bool      `json:"test"`
	// FaxID is the provider's id of the fax or message, always a string
	// (Sfax ids have 19 digits). For a ping it is the notification id.
	FaxID           string     `json:"fax_id"`
	Pages           *int       `json:"pages,omitempty"`
	DurationSeconds *int       `json:"duration_seconds,omitempty"`
	CompletedAt     *time.Time `json:"completed_at,omitempty"` // UTC
	From            *Party     `json:"from,omitempty"`
	To              *Party     `json:"to,omitempty"`
	StationID       string     `json:"station_id,omitempty"` // CSID / TSID
	CallerID        string     `json:"caller_id,omitempty"`  // CPN
	StatusMessage   string     `json:"status_message,omitempty"`
	ResultCode      string     `json:"result_code,omitempty"`
	ErrorCode       string     `json:"error_code,omitempty"`
	Attempts        *int       `json:"attempts,omitempty"`
	// Document is true when a document is expected to be fetched for this
	// event (a received fax).
	Document   bool      `json:"document"`
	RawRef     RawRef    `json:"raw_ref"`
	ReceivedAt time.Time `json:"received_at"` // UTC
	// LearnedVia says how faxpipe learned of the fax: its webhook, or the
	// provider's API (the reconciler found a fax whose webhook never came).
	LearnedVia Origin `json:"learned_via"`
	// ProviderFields holds every field the provider sent that is not mapped
	// above, verbatim: a JSON string (or array of strings, when repeated) for
	// form and query fields, the JSON value as sent for JSON bodies.
	// Credentials and signatures are never copied here.
	ProviderFields map[string]json.RawMessage `json:"provider_fields"`
}

// RawRef points at the raw message an event came from.
type RawRef struct {
	ID        string `json:"id"`         // the envelope id
	StreamSeq uint64 `json:"stream_seq"` // its sequence in FAXPIPE_RAW
}

// NewEvent returns an Event with what every event of raw shares filled in:
// provider, account, raw reference, receipt time, origin and an empty
// ProviderFields. raw.Envelope must not be nil.
func NewEvent(raw RawMessage) Event {
	env := raw.Envelope
	return Event{
		Provider:       env.Provider,
		Account:        env.Account,
		RawRef:         RawRef{ID: env.ID, StreamSeq: raw.StreamSeq},
		ReceivedAt:     env.ReceivedAt.UTC(),
		LearnedVia:     env.LearnedVia(),
		ProviderFields: map[string]json.RawMessage{},
	}
}
