package fax

import (
	"encoding/base64"
	"errors"
	"time"
)

// EnvelopeSchema is the JSON Schema id of Envelope (schemas/raw-callback.v1.json).
const EnvelopeSchema = "https://faxpipe.dev/schemas/raw-callback.v1.json"

// Envelope is a callback exactly as the ingress received it: everything the
// processor needs to verify and re-process it later, with each secret replaced
// by its keyed digest (see Digester). Body holds the request body byte-exact.
type Envelope struct {
	Schema     string              `json:"$schema"`
	ID         string              `json:"id"` // UUIDv7; also the X-Request-Id answered
	ReceivedAt time.Time           `json:"received_at"`
	Provider   Provider            `json:"provider"`
	Account    string              `json:"account"`
	Method     string              `json:"method"`
	Path       string              `json:"path"`
	Query      string              `json:"query"` // raw query string, secrets digested
	Headers    map[string][]string `json:"headers"`
	RemoteAddr string              `json:"remote_addr"`
	Body       []byte              `json:"body"` // base64 (standard, padded) in JSON
	// Redacted lists each secret that was replaced by its digest, and the id
	// of the pipeline key that made the digest.
	Redacted []Redaction `json:"redacted"`
	// Origin is how faxpipe learned of the fax: empty (or OriginWebhook)
	// for a callback the ingress received, OriginAPI for a fax the
	// reconciler found in the provider's API. An API envelope holds the
	// listing request (method, path, query and headers, no secret) and the
	// fax's item of the listing as its body.
	Origin Origin `json:"origin,omitempty"`
	// Seal is set on an API envelope only: the pipeline key's MAC of the
	// envelope (see Digester.Seal), which the processor checks instead of a
	// webhook signature, so that nobody without the key can pass an
	// envelope off as the provider's API's word.
	Seal string `json:"seal,omitempty"`
}

// Origin says how faxpipe learned of a fax (data.learned_via of its event).
type Origin string

// The origins.
const (
	OriginWebhook Origin = "webhook" // the provider's callback, through the ingress
	OriginAPI     Origin = "api"     // the provider's API, through the reconciler
)

// FromAPI reports whether e says it came from the provider's API. Only a
// sealed envelope may be believed (Digester.CheckSeal).
func (e *Envelope) FromAPI() bool { return e.Origin == OriginAPI }

// LearnedVia is e's origin, OriginWebhook when unset.
func (e *Envelope) LearnedVia() Origin {
	if e.Origin == "" {
		return OriginWebhook
	}
	return e.Origin
}

// ErrEnvelopeTooLarge means an envelope is larger than the broker accepts
// (its max_payload): retrying cannot help, so the ingress answers 413.
var ErrEnvelopeTooLarge = errors.New("envelope larger than the broker's maximum payload")

// Redaction records one value replaced by a digest.
type Redaction struct {
	In    string `json:"in"`   // "header" or "query"
	Name  string `json:"name"` // header name (canonical) or query parameter name as sent
	KeyID string `json:"key_id"`
}

// Subject is the raw stream subject of e: faxpipe.raw.{provider}.{account}.
func (e *Envelope) Subject() string {
	return RawSubject(e.Provider, e.Account)
}

// BodyBase64 is the body as the envelope's JSON carries it.
func (e *Envelope) BodyBase64() string {
	return base64.StdEncoding.EncodeToString(e.Body)
}
