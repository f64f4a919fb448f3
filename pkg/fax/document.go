package fax

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/uuid"
)

// DocumentDataSchema is the CloudEvents dataschema of a DocumentAnnouncement
// announcement (schemas/fax-document.v1.json, $defs/data).
const DocumentDataSchema = "https://faxpipe.dev/schemas/fax-document.v1.json#/$defs/data"

// DocumentOutcome says whether a received fax's document was stored; it is
// the last token of faxpipe.documents.{provider}.{account}.{outcome}.
type DocumentOutcome string

// The outcomes of a document.
const (
	DocumentStored DocumentOutcome = "stored"
	DocumentFailed DocumentOutcome = "failed"
)

// DocumentReason says why a document will not be stored: the reason of a
// failed announcement (schemas/fax-document.v1.json).
type DocumentReason string

// The reasons a document is not stored.
const (
	// DocumentReasonNotFound: the provider answered 404 after the grace
	// period.
	DocumentReasonNotFound DocumentReason = "not_found"
	// DocumentReasonUnauthorized: 401/403, the account's credentials.
	DocumentReasonUnauthorized DocumentReason = "unauthorized"
	// DocumentReasonProviderRefused: another 4xx, or the provider said it
	// has no document.
	DocumentReasonProviderRefused DocumentReason = "provider_refused"
	// DocumentReasonTooLarge: over downloader.max_document_size.
	DocumentReasonTooLarge DocumentReason = "too_large"
	// DocumentReasonMalformedDocument: the answer is not a readable document.
	DocumentReasonMalformedDocument DocumentReason = "malformed_document"
	// DocumentReasonUnsupportedContent: neither PDF nor TIFF.
	DocumentReasonUnsupportedContent DocumentReason = "unsupported_content"
	// DocumentReasonUntrustedDestination: refused by the request-forgery
	// guard.
	DocumentReasonUntrustedDestination DocumentReason = "untrusted_destination"
	// DocumentReasonUnknownAccount: the account is not configured.
	DocumentReasonUnknownAccount DocumentReason = "unknown_account"
	// DocumentReasonRetriesExhausted: transient faults through every
	// allowed delivery.
	DocumentReasonRetriesExhausted DocumentReason = "retries_exhausted"
)

// documentNamespace is the UUIDv5 namespace of announcement ids.
var documentNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://faxpipe.dev/ns/document"))

// DocumentAnnouncement is the data of a document announcement on
// faxpipe.documents.{provider}.{account}.{stored|failed}
// (schemas/fax-document.v1.json, $defs/data): where a received fax's
// document is stored, or why it will not be. The downloader publishes it;
// downstream consumers read it.
type DocumentAnnouncement struct {
	EventID  string          `json:"event_id"` // the id of the fax event
	Provider Provider        `json:"provider"`
	Account  string          `json:"account"`
	FaxID    string          `json:"fax_id"`
	Outcome  DocumentOutcome `json:"outcome"`
	// Stored.
	Bucket      string `json:"bucket,omitempty"` // the object store bucket, faxpipe-documents
	Object      string `json:"object,omitempty"` // {provider}/{account}/{fax_id}.{ext}
	Size        *int64 `json:"size,omitempty"`
	SHA256      string `json:"sha256,omitempty"` // hex
	ContentType string `json:"content_type,omitempty"`
	Pages       *int   `json:"pages,omitempty"`
	// Failed.
	Reason     DocumentReason `json:"reason,omitempty"`
	Detail     string         `json:"detail,omitempty"`
	Attempts   *int           `json:"attempts,omitempty"`
	Deliveries *int           `json:"deliveries,omitempty"`
	LastStatus int            `json:"last_status,omitempty"`
}

// ID is the announcement's deterministic id, also its Nats-Msg-Id: the
// UUIDv5 of "{event_id}/{outcome}", so a redelivered fax event announces
// once (within the stream's duplicate window).
func (d DocumentAnnouncement) ID() string {
	return uuid.NewSHA1(documentNamespace, []byte(d.EventID+"/"+string(d.Outcome))).String()
}

// Subject is faxpipe.documents.{provider}.{account}.{outcome}.
func (d DocumentAnnouncement) Subject() string {
	return DocumentSubject(d.Provider, d.Account, d.Outcome)
}

// Encode returns the announcement as a CloudEvents 1.0 structured-mode
// JSON of type faxpipe.document.{outcome}, stamped with now. An error means
// the CloudEvents SDK refused the event.
func (d DocumentAnnouncement) Encode(now time.Time) ([]byte, error) {
	ce := event.New()
	ce.SetID(d.ID())
	ce.SetType("faxpipe.document." + string(d.Outcome))
	ce.SetSource(fmt.Sprintf("faxpipe/%s/%s", d.Provider, d.Account))
	ce.SetSubject(d.FaxID)
	ce.SetTime(now.UTC())
	ce.SetDataSchema(DocumentDataSchema)
	if err := ce.SetData(event.ApplicationJSON, d); err != nil {
		return nil, fmt.Errorf("encode announcement data: %w", err)
	}
	if err := ce.Validate(); err != nil {
		return nil, fmt.Errorf("invalid announcement: %w", err)
	}
	data, err := json.Marshal(ce)
	if err != nil {
		return nil, fmt.Errorf("encode announcement: %w", err)
	}
	return data, nil
}
