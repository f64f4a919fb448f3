package fax_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/schemas"
)

func storedDocument() fax.DocumentAnnouncement {
	size, pages := int64(2048), 3
	return fax.DocumentAnnouncement{EventID: sampleEvent().ID(), Provider: fax.EFax, Account: "acme", FaxID: "7e029808",
		Outcome: fax.DocumentStored, Bucket: "faxpipe-documents", Object: "efax/acme/7e029808.pdf", Size: &size,
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", ContentType: "application/pdf", Pages: &pages}
}

func failedDocument() fax.DocumentAnnouncement {
	attempts, deliveries := 2, 5
	return fax.DocumentAnnouncement{EventID: sampleEvent().ID(), Provider: fax.EFax, Account: "acme", FaxID: "7e029808",
		Outcome: fax.DocumentFailed, Reason: fax.DocumentReasonRetriesExhausted, Detail: "503 Service Unavailable",
		Attempts: &attempts, Deliveries: &deliveries, LastStatus: 503}
}

func TestDocumentIDIsPinned(t *testing.T) {
	// The id is the announcement's Nats-Msg-Id: changing the scheme would
	// announce a redelivered event twice across an upgrade. Computed with
	// Python's uuid module:
	//   ns = uuid5(NAMESPACE_URL, "https://faxpipe.dev/ns/document")
	//   uuid5(ns, "03d248d8-3bc0-5fb5-9408-fe728487d584/stored")
	tests := []struct {
		name string
		doc  fax.DocumentAnnouncement
		want string
	}{
		{"stored", storedDocument(), "d7fea369-6a4b-5dd6-ad25-eaec388ab2d7"},
		{"failed", failedDocument(), "4f7323af-62bb-50ed-af11-ddf790b8c240"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.doc.ID(); got != tt.want {
				t.Errorf("ID = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestDocumentEncode: the CloudEvent of an announcement meets
// fax-document.v1.json, carries the announcement's id, type, source and
// subject, and its data decodes to the announcement.
func TestDocumentEncode(t *testing.T) {
	now := time.Date(2024, 5, 10, 20, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	tests := []struct {
		name, subject, ceType string
		doc                   fax.DocumentAnnouncement
	}{
		{"stored", "faxpipe.documents.efax.acme.stored", "faxpipe.document.stored", storedDocument()},
		{"failed", "faxpipe.documents.efax.acme.failed", "faxpipe.document.failed", failedDocument()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.doc.Subject(); got != tt.subject {
				t.Errorf("Subject = %s, want %s", got, tt.subject)
			}
			data, err := tt.doc.Encode(now)
			if err != nil {
				t.Fatal(err)
			}
			if err := schemas.Validate("fax-document.v1.json", data); err != nil {
				t.Errorf("%s: %v", data, err)
			}
			var ce struct {
				ID, Type, Source, Subject, DataSchema string
				Time                                  time.Time
				Data                                  fax.DocumentAnnouncement
			}
			if err := json.Unmarshal(data, &ce); err != nil {
				t.Fatal(err)
			}
			if ce.ID != tt.doc.ID() || ce.Type != tt.ceType || ce.Source != "faxpipe/efax/acme" ||
				ce.Subject != "7e029808" || ce.DataSchema != fax.DocumentDataSchema || !ce.Time.Equal(now) {
				t.Errorf("attributes %+v", ce)
			}
			if !reflect.DeepEqual(ce.Data, tt.doc) {
				t.Errorf("data %+v, want %+v", ce.Data, tt.doc)
			}
		})
	}
}
