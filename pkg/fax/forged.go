package fax

import (
	"crypto/sha256"
	"encoding/hex"
	"time"
)

// ForgedSchema is the JSON Schema id of Forged (schemas/forged.v1.json).
const ForgedSchema = "https://faxpipe.dev/schemas/forged.v1.json"

// Forged is the record of a callback the ingress refused because it failed
// verification, as published on faxpipe.forged.{provider}.{account}: who
// sent what, when, and why it was refused — never the body or the query
// string, which hold whatever the sender chose to send. It is for audit and
// alerting; nothing is ever re-processed from it.
type Forged struct {
	Schema     string    `json:"$schema"`
	ID         string    `json:"id"` // the request id (UUIDv7), as answered in X-Request-Id
	ReceivedAt time.Time `json:"received_at"`
	Provider   Provider  `json:"provider"`
	Account    string    `json:"account"`
	Reason     Reason    `json:"reason"`
	Client     string    `json:"client"` // the client address the ingress saw (X-Forwarded-For from a trusted proxy)
	Method     string    `json:"method"`
	Path       string    `json:"path"` // without the query string
	BodySize   int       `json:"body_size"`
	BodySHA256 string    `json:"body_sha256"` // lower-case hex
}

// NewForged records env, refused for reason, as seen from client: the
// envelope's identity and the size and SHA-256 of its body, nothing of its
// query, headers or body.
func NewForged(env *Envelope, reason Reason, client string) Forged {
	sum := sha256.Sum256(env.Body)
	return Forged{
		Schema:     ForgedSchema,
		ID:         env.ID,
		ReceivedAt: env.ReceivedAt.UTC(),
		Provider:   env.Provider,
		Account:    env.Account,
		Reason:     reason,
		Client:     client,
		Method:     env.Method,
		Path:       env.Path,
		BodySize:   len(env.Body),
		BodySHA256: hex.EncodeToString(sum[:]),
	}
}

// Subject is the stream subject f is published on:
// faxpipe.forged.{provider}.{account}.
func (f Forged) Subject() string { return ForgedSubject(f.Provider, f.Account) }
