package fax

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// RejectedSchema is the JSON Schema id of Rejected (schemas/rejected.v1.json).
const RejectedSchema = "https://faxpipe.dev/schemas/rejected.v1.json"

// Rejected is a raw callback that did not become an event, as published on
// faxpipe.rejected.{provider}.{account}.{reason}: why it was rejected, when,
// and a reference to the raw message in FAXPIPE_RAW (its sequence and
// envelope id) with the body's size and SHA-256, never a copy of the
// callback: a forgery is stored once, in FAXPIPE_RAW, under its retention.
// Re-processing the raw message after the cause is fixed (a credential,
// say) is always safe: events are deduped by id.
type Rejected struct {
	Schema     string    `json:"$schema"`
	Provider   Provider  `json:"provider"`
	Account    string    `json:"account"`
	Reason     Reason    `json:"reason"`
	Detail     string    `json:"detail"`      // the error message, for people
	RejectedAt time.Time `json:"rejected_at"` // UTC
	RawSeq     uint64    `json:"raw_seq"`     // sequence of the raw message in FAXPIPE_RAW
	// RawID is the envelope id of the raw message (its Nats-Msg-Id); empty
	// when the message is not an envelope.
	RawID string `json:"raw_id,omitempty"`
	// ReceivedAt is when the ingress received the callback, per its
	// envelope (zero when the message is not an envelope).
	ReceivedAt time.Time `json:"received_at,omitzero"`
	// BodySize and BodySHA256 (hex) are those of the callback body, or of
	// the whole message when it is not an envelope: enough to tell two
	// callbacks apart, or match one a provider shows, without reading it.
	BodySize   int    `json:"body_size"`
	BodySHA256 string `json:"body_sha256,omitempty"`
	// Envelope and Raw are set only in records written before rejections
	// referenced their raw message; they are kept readable because the
	// stream holds history. New records never set them.
	Envelope *Envelope `json:"envelope,omitempty"`
	Raw      []byte    `json:"raw,omitempty"`
}

// NewRejected records the rejection of raw for err at time at. The reason
// is the one err wraps; an error that wraps none is recorded as malformed,
// since an adapter returns no other kind of error. When raw has no
// envelope, the caller fills Provider and Account from the raw message's
// subject and the body fields with SetBody.
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
	}
	if err != nil {
		r.Detail = err.Error()
	}
	if env := raw.Envelope; env != nil {
		r.Provider, r.Account = env.Provider, env.Account
		r.RawID, r.ReceivedAt = env.ID, env.ReceivedAt.UTC()
		r.SetBody(env.Body)
	}
	return r
}

// SetBody sets BodySize and BodySHA256 to those of body.
func (r *Rejected) SetBody(body []byte) {
	sum := sha256.Sum256(body)
	r.BodySize, r.BodySHA256 = len(body), hex.EncodeToString(sum[:])
}

// Subject is the stream subject r is published on:
// faxpipe.rejected.{provider}.{account}.{reason}.
func (r Rejected) Subject() string {
	return RejectedSubject(r.Provider, r.Account, r.Reason)
}
