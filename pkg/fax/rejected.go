package fax

import (
	"time"
)

// RejectedSchema is the JSON Schema id of Rejected (schemas/rejected.v1.json).
const RejectedSchema = "https://faxpipe.dev/schemas/rejected.v1.json"

// Rejected is a raw callback that did not become an event, as published on
// faxpipe.rejected.{provider}.{account}.{reason}: the raw envelope, why it
// was rejected and when. Re-processing Envelope after the cause is fixed (a
// credential, say) is always safe: events are deduped by id.
type Rejected struct {
	Schema     string    `json:"$schema"`
	Provider   Provider  `json:"provider"`
	Account    string    `json:"account"`
	Reason     Reason    `json:"reason"`
	Detail     string    `json:"detail"`      // the error message, for people
	RejectedAt time.Time `json:"rejected_at"` // UTC
	RawSeq     uint64    `json:"raw_seq"`     // sequence of the raw message in FAXPIPE_RAW
	Envelope   *Envelope `json:"envelope,omitempty"`
	// Raw holds the message bytes when they could not be decoded as an
	// envelope at all (base64 in JSON); Envelope is nil then, and the
	// caller fills Provider and Account from the raw message's subject.
	Raw []byte `json:"raw,omitempty"`
}

// NewRejected records the rejection of raw for err at time at. The reason
// is the one err wraps; an error that wraps none is recorded as malformed,
// since an adapter returns no other kind of error.
func NewRejected(raw RawMessage, err error, at time.Time) Rejected {
	reason, ok := ReasonOf(err)
	if !ok {
		reason = ReasonMalformed
	}
	r := Rejected{
		Schema:     RejectedSchema,
		Reason:     reason,
		RejectedAt: at.UTC(),
		RawSeq:     raw.StreamSeq,
		Envelope:   raw.Envelope,
	}
	if err != nil {
		r.Detail = err.Error()
	}
	if raw.Envelope != nil {
		r.Provider, r.Account = raw.Envelope.Provider, raw.Envelope.Account
	}
	return r
}

// Subject is the stream subject r is published on:
// faxpipe.rejected.{provider}.{account}.{reason}.
func (r Rejected) Subject() string {
	return RejectedSubject(r.Provider, r.Account, r.Reason)
}
