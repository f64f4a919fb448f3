// Package audit is faxpipe's access audit trail: every read of a stored
// document and every reveal of personal data (phone numbers, raw callback
// bodies) appends a Record to the JetStream stream FAXPIPE_AUDIT, on
// faxpipe.audit.{resource}.{verb} (schemas/audit.v1.json).
//
// Log.Record returns only once JetStream acknowledged the record; callers
// read or reveal only after it returned nil, so an access whose record
// could not be stored does not happen (fail closed). A record names who
// (Actor), what (Action, Object), when (Time), why (Purpose) and with which
// program; it never holds a phone number or a document's bytes.
package audit

import (
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Schema is the JSON Schema id of Record (schemas/audit.v1.json).
const Schema = "https://faxpipe.dev/schemas/audit.v1.json"

// Action is what was done, {resource}.{verb}; the record's subject is
// faxpipe.audit.{action}.
type Action string

// The actions.
const (
	// DocumentRead: a stored fax document was opened for reading.
	DocumentRead Action = "document.read"
	// EventsReveal: fax events were shown with their phone numbers in
	// clear (faxpipe tail --reveal).
	EventsReveal Action = "events.reveal"
	// RejectedReveal: a rejected callback was shown with its raw body and
	// phone numbers in clear (faxpipe rejected show --reveal).
	RejectedReveal Action = "rejected.reveal"
)

// Actions lists every Action, in the schema's order.
var Actions = []Action{DocumentRead, EventsReveal, RejectedReveal}

// Subject is the subject a record of a is published on.
func (a Action) Subject() string { return fax.AuditSubject(string(a)) }

// Record is one entry of the audit trail.
type Record struct {
	Schema  string    `json:"$schema"`
	ID      string    `json:"id"`   // UUIDv7; also the Nats-Msg-Id
	Time    time.Time `json:"time"` // UTC, the recorder's clock
	Actor   string    `json:"actor"`
	Action  Action    `json:"action"`
	Object  Object    `json:"object"`
	Purpose string    `json:"purpose,omitempty"`
	Program string    `json:"program"`
	Host    string    `json:"host,omitempty"`
}

// Object is what an action touched: a document (provider, account, fax and
// event ids, bucket and object name, SHA-256), stream messages (stream and
// sequence, the raw callback's sequence) or a selection of a stream
// (subjects, since). Only the fields that apply are set; none holds
// personal data.
type Object struct {
	Provider fax.Provider `json:"provider,omitempty"`
	Account  string       `json:"account,omitempty"`
	FaxID    string       `json:"fax_id,omitempty"`
	EventID  string       `json:"event_id,omitempty"`
	Bucket   string       `json:"bucket,omitempty"`
	Document string       `json:"document,omitempty"` // object name, {provider}/{account}/{fax_id}.{ext}
	SHA256   string       `json:"sha256,omitempty"`   // as announced
	Stream   string       `json:"stream,omitempty"`
	Seq      uint64       `json:"seq,omitempty"`     // in Stream
	RawSeq   uint64       `json:"raw_seq,omitempty"` // in FAXPIPE_RAW
	Subjects []string     `json:"subjects,omitempty"`
	Since    *time.Time   `json:"since,omitempty"`
}

// Bounds of a record's free-form fields, in bytes.
const (
	MaxNameLen    = 128 // actor, program, host
	MaxFieldLen   = 256 // each object field
	MaxPurposeLen = 512
	MaxSubjects   = 8
)

// ErrInvalid means a record would not be a valid audit record: an actor
// missing, a field too long or with control characters.
var ErrInvalid = errors.New("invalid audit record")

// Validate reports what makes r invalid, wrapping ErrInvalid.
func (r Record) Validate() error {
	var errs []error
	check := func(field, v string, limit int, required bool) {
		switch {
		case v == "" && required:
			errs = append(errs, fmt.Errorf("%s: must be set", field))
		case len(v) > limit:
			errs = append(errs, fmt.Errorf("%s: longer than %d bytes", field, limit))
		case !utf8.ValidString(v) || hasControl(v):
			errs = append(errs, fmt.Errorf("%s: must be printable UTF-8", field))
		}
	}
	check("actor", r.Actor, MaxNameLen, true)
	check("program", r.Program, MaxNameLen, true)
	check("host", r.Host, MaxNameLen, false)
	check("purpose", r.Purpose, MaxPurposeLen, false)
	o := r.Object
	for name, v := range map[string]string{"provider": string(o.Provider), "account": o.Account, "fax_id": o.FaxID,
		"event_id": o.EventID, "bucket": o.Bucket, "document": o.Document, "sha256": o.SHA256, "stream": o.Stream} {
		check("object."+name, v, MaxFieldLen, false)
	}
	if o.Provider != "" && !providerToken.MatchString(string(o.Provider)) {
		errs = append(errs, fmt.Errorf("object.provider %q: not a provider token", o.Provider))
	}
	if o.SHA256 != "" && !sha256Hex.MatchString(o.SHA256) {
		errs = append(errs, errors.New("object.sha256: not 64 lowercase hex digits"))
	}
	if len(o.Subjects) > MaxSubjects {
		errs = append(errs, fmt.Errorf("object.subjects: more than %d", MaxSubjects))
	}
	for _, s := range o.Subjects {
		check("object.subjects", s, MaxFieldLen, true)
	}
	if !knownAction(r.Action) {
		errs = append(errs, fmt.Errorf("action %q: not one of %v", r.Action, Actions))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalid, errors.Join(errs...))
	}
	return nil
}

var (
	providerToken = regexp.MustCompile(`^[a-z0-9]+$`)
	sha256Hex     = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func knownAction(a Action) bool {
	for _, k := range Actions {
		if a == k {
			return true
		}
	}
	return false
}

func hasControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
