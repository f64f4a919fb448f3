package fax

import (
	"fmt"
	"strings"
)

// The streams of the contract and the subjects they hold. This file is the
// one place that builds or parses a subject: every other package asks it.
//
//	FAXPIPE_RAW        faxpipe.raw.{provider}.{account}
//	FAXPIPE_EVENTS     faxpipe.events.{provider}.{account}.{channel}.{direction}.{outcome}
//	FAXPIPE_DOCUMENTS  faxpipe.documents.{provider}.{account}.{stored|failed}
//	FAXPIPE_REJECTED   faxpipe.rejected.{provider}.{account}.{reason}
//	FAXPIPE_FORGED     faxpipe.forged.{provider}.{account}
//	FAXPIPE_AUDIT      faxpipe.audit.{resource}.{verb}, e.g. faxpipe.audit.document.read
//
// In every builder an empty token is a wildcard ("*"), so the same function
// gives a message's subject and a consumer's filter.
const (
	RawStream       = "FAXPIPE_RAW"
	EventsStream    = "FAXPIPE_EVENTS"
	DocumentsStream = "FAXPIPE_DOCUMENTS"
	RejectedStream  = "FAXPIPE_REJECTED"
	ForgedStream    = "FAXPIPE_FORGED"
	AuditStream     = "FAXPIPE_AUDIT"
)

// The subject roots, one per stream.
const (
	rawRoot       = "faxpipe.raw"
	eventsRoot    = "faxpipe.events"
	documentsRoot = "faxpipe.documents"
	rejectedRoot  = "faxpipe.rejected"
	forgedRoot    = "faxpipe.forged"
	auditRoot     = "faxpipe.audit"
)

// StreamSubjects is the subject filter each stream is defined over.
var StreamSubjects = map[string]string{
	RawStream:       rawRoot + ".>",
	EventsStream:    eventsRoot + ".>",
	DocumentsStream: documentsRoot + ".>",
	RejectedStream:  rejectedRoot + ".>",
	ForgedStream:    forgedRoot + ".>",
	AuditStream:     auditRoot + ".>",
}

// RawSubject is faxpipe.raw.{provider}.{account}, where raw callbacks of
// one account are published.
func RawSubject(p Provider, account string) string {
	return subject(rawRoot, string(p), account)
}

// EventSubject is faxpipe.events.{provider}.{account}.{channel}.{direction}.{outcome}.
func EventSubject(p Provider, account string, c Channel, d Direction, o Outcome) string {
	return subject(eventsRoot, string(p), account, string(c), string(d), string(o))
}

// DocumentSubject is faxpipe.documents.{provider}.{account}.{outcome}.
func DocumentSubject(p Provider, account string, o DocumentOutcome) string {
	return subject(documentsRoot, string(p), account, string(o))
}

// RejectedSubject is faxpipe.rejected.{provider}.{account}.{reason}.
func RejectedSubject(p Provider, account string, r Reason) string {
	return subject(rejectedRoot, string(p), account, string(r))
}

// ForgedSubject is faxpipe.forged.{provider}.{account}, where the ingress
// records the callbacks of one account it refused as forged.
func ForgedSubject(p Provider, account string) string {
	return subject(forgedRoot, string(p), account)
}

// AuditSubject is faxpipe.audit.{action}, where action is an audit
// action of two tokens, {resource}.{verb} (document.read, events.reveal).
func AuditSubject(action string) string {
	return auditRoot + "." + action
}

// ReceivedFaxSubject selects the events that may carry a document:
// received inbound faxes of any provider and account.
func ReceivedFaxSubject() string {
	return EventSubject("", "", ChannelFax, Inbound, OutcomeReceived)
}

// ParseRawSubject is the provider and account of a raw subject, or an error
// for any other subject.
func ParseRawSubject(s string) (Provider, string, error) {
	tokens, ok := strings.CutPrefix(s, rawRoot+".")
	parts := strings.Split(tokens, ".")
	if !ok || len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", fmt.Errorf("%q is not a raw subject %s.{provider}.{account}", s, rawRoot)
	}
	return Provider(parts[0]), parts[1], nil
}

// subject joins root and tokens, an empty token matching any ("*").
func subject(root string, tokens ...string) string {
	n := len(root)
	for _, t := range tokens {
		n += 1 + max(len(t), 1)
	}
	var b strings.Builder
	b.Grow(n) // one allocation: subjects are built per message
	b.WriteString(root)
	for _, t := range tokens {
		if t == "" {
			t = "*"
		}
		b.WriteByte('.')
		b.WriteString(t)
	}
	return b.String()
}

// DocumentBucket is the object store of documents,
// {provider}/{account}/{fax_id}.{ext}.
const DocumentBucket = "faxpipe-documents"
