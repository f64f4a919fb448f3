package downloader

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// DocumentDataSchema is the CloudEvents dataschema of an Announcement.
const DocumentDataSchema = "https://faxpipe.dev/schemas/fax-document.v1.json#/$defs/data"

// The outcomes of a document.
const (
	OutcomeStored = "stored"
	OutcomeFailed = "failed"
)

// documentNamespace is the UUIDv5 namespace of announcement ids.
var documentNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://faxpipe.dev/ns/document"))

// Announcement is the data of a CloudEvent on
// faxpipe.documents.{provider}.{account}.{stored|failed}
// (schemas/fax-document.v1.json, $defs/data): where a received fax's
// document is stored, or why it will not be.
type Announcement struct {
	EventID  string       `json:"event_id"` // the fax event's id
	Provider fax.Provider `json:"provider"`
	Account  string       `json:"account"`
	FaxID    string       `json:"fax_id"`
	Outcome  string       `json:"outcome"`
	// Stored.
	Bucket      string `json:"bucket,omitempty"`
	Object      string `json:"object,omitempty"`
	Size        *int64 `json:"size,omitempty"`
	SHA256      string `json:"sha256,omitempty"`
	ContentType string `json:"content_type,omitempty"`
	Pages       *int   `json:"pages,omitempty"`
	// Failed.
	Reason     Reason `json:"reason,omitempty"`
	Detail     string `json:"detail,omitempty"`
	Attempts   *int   `json:"attempts,omitempty"`
	Deliveries *int   `json:"deliveries,omitempty"`
	LastStatus int    `json:"last_status,omitempty"`
}

// ID is the announcement's deterministic id, also its Nats-Msg-Id: the
// UUIDv5 of "{event_id}/{outcome}", so a redelivered fax event announces
// once (within the stream's duplicate window).
func (a Announcement) ID() string {
	return uuid.NewSHA1(documentNamespace, []byte(a.EventID+"/"+a.Outcome)).String()
}

// Subject is faxpipe.documents.{provider}.{account}.{outcome}.
func (a Announcement) Subject() string {
	return fmt.Sprintf("faxpipe.documents.%s.%s.%s", a.Provider, a.Account, a.Outcome)
}

// Encode returns the announcement as a CloudEvents 1.0 structured-mode JSON.
func (a Announcement) Encode(now time.Time) ([]byte, error) {
	ce := event.New()
	ce.SetID(a.ID())
	ce.SetType("faxpipe.document." + a.Outcome)
	ce.SetSource(fmt.Sprintf("faxpipe/%s/%s", a.Provider, a.Account))
	ce.SetSubject(a.FaxID)
	ce.SetTime(now.UTC())
	ce.SetDataSchema(DocumentDataSchema)
	if err := ce.SetData(event.ApplicationJSON, a); err != nil {
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

// storedAnnouncement announces st as the document of the event ev (id).
func storedAnnouncement(id string, ev fax.Event, st docstore.Stored) Announcement {
	a := newAnnouncement(id, ev, OutcomeStored)
	size := st.Size
	a.Bucket, a.Object, a.Size, a.SHA256, a.ContentType = st.Bucket, st.Name, &size, st.SHA256, st.ContentType
	a.Pages = storedPages(st)
	return a
}

// failedAnnouncement announces that the document of ev will not be stored.
func failedAnnouncement(id string, ev fax.Event, f failure, deliveries int) Announcement {
	a := newAnnouncement(id, ev, OutcomeFailed)
	a.Reason, a.Detail, a.LastStatus = f.reason, f.detail(), f.status
	a.Attempts, a.Deliveries = &f.attempts, &deliveries
	return a
}

func newAnnouncement(id string, ev fax.Event, outcome string) Announcement {
	return Announcement{EventID: id, Provider: ev.Provider, Account: ev.Account, FaxID: ev.FaxID, Outcome: outcome}
}

// announce publishes a on FAXPIPE_DOCUMENTS with Nats-Msg-Id a.ID() and
// counts it under outcome.
func (d *Downloader) announce(ctx context.Context, a Announcement, outcome string) error {
	data, err := a.Encode(d.deps.Now())
	if err != nil {
		return err
	}
	msg := nats.NewMsg(a.Subject())
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, a.ID())
	if _, err := d.deps.JS.PublishMsg(ctx, msg, jetstream.WithExpectStream(stream.DocumentsStream)); err != nil {
		return fmt.Errorf("publish announcement: %w", err)
	}
	d.metrics.documents.WithLabelValues(string(a.Provider), outcome, string(a.Reason)).Inc()
	return nil
}
