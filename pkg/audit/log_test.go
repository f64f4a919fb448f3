package audit_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/audit/audittest"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

var reader = audit.Actor{Name: "alice", Program: "faxpipe tail", Host: "ops-1"}

func broker(t *testing.T, streams config.Streams) jetstream.JetStream {
	t.Helper()
	return streamtest.Connect(t, streamtest.Start(t), streams).JS
}

// TestRecordIsStored: a record is in FAXPIPE_AUDIT, on its action's
// subject, valid against schemas/audit.v1.json, with who, what and why.
func TestRecordIsStored(t *testing.T) {
	js := broker(t, config.Default().Streams)
	log, err := audit.New(js, reader)
	if err != nil {
		t.Fatal(err)
	}
	obj := audit.Object{Provider: fax.EFax, Account: "demo", FaxID: "f1", Document: "efax/demo/f1.pdf", Bucket: fax.DocumentBucket}
	before := time.Now().Add(-time.Second)
	if err := log.Record(t.Context(), audit.Entry{Action: audit.DocumentRead, Object: obj, Purpose: "ticket 7"}); err != nil {
		t.Fatal(err)
	}
	recs := audittest.Records(t, js)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	if r.Subject != "faxpipe.audit.document.read" || r.Actor != "alice" || r.Program != "faxpipe tail" || r.Host != "ops-1" ||
		r.Purpose != "ticket 7" || r.Object.Document != obj.Document || r.Object.FaxID != "f1" || r.Time.Before(before) || r.ID == "" {
		t.Errorf("record %+v on %s", r.Record, r.Subject)
	}
}

// TestRecordFailsClosed: when the record cannot be stored, Record says so
// (ErrNotRecorded) — the caller then refuses the access.
func TestRecordFailsClosed(t *testing.T) {
	full := config.Default().Streams
	full.Audit.MaxBytes = 200 // less than one record
	cases := []struct {
		name  string
		setup func(t *testing.T) jetstream.JetStream
	}{
		{"no audit stream", func(t *testing.T) jetstream.JetStream {
			js := broker(t, config.Default().Streams)
			if err := js.DeleteStream(t.Context(), fax.AuditStream); err != nil {
				t.Fatal(err)
			}
			return js
		}},
		{"audit stream full", func(t *testing.T) jetstream.JetStream { return broker(t, full) }},
		{"broker gone", func(t *testing.T) jetstream.JetStream {
			ns := streamtest.Start(t)
			js := streamtest.Connect(t, ns, config.Default().Streams).JS
			ns.Stop()
			return js
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			log, err := audit.New(c.setup(t), reader)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			err = log.Record(ctx, audit.Entry{Action: audit.EventsReveal, Object: audit.Object{Subjects: []string{"faxpipe.events.>"}}})
			if !errors.Is(err, audit.ErrNotRecorded) {
				t.Errorf("Record = %v, want ErrNotRecorded", err)
			}
		})
	}
}

// TestRecordRefusesInvalid: a record that would not be valid is not sent.
func TestRecordRefusesInvalid(t *testing.T) {
	js := broker(t, config.Default().Streams)
	if _, err := audit.New(js, audit.Actor{Program: "p"}); !errors.Is(err, audit.ErrInvalid) {
		t.Errorf("New without a name = %v, want ErrInvalid", err)
	}
	log, err := audit.New(js, reader)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		e    audit.Entry
	}{
		{"unknown action", audit.Entry{Action: "document.shred"}},
		{"purpose with a newline", audit.Entry{Action: audit.DocumentRead, Purpose: "a\nforged line"}},
		{"purpose too long", audit.Entry{Action: audit.DocumentRead, Purpose: strings.Repeat("x", audit.MaxPurposeLen+1)}},
		{"sha256 not hex", audit.Entry{Action: audit.DocumentRead, Object: audit.Object{SHA256: "+15555551212"}}},
		{"too many subjects", audit.Entry{Action: audit.EventsReveal, Object: audit.Object{Subjects: make([]string, audit.MaxSubjects+1)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := log.Record(t.Context(), c.e); !errors.Is(err, audit.ErrInvalid) || !errors.Is(err, audit.ErrNotRecorded) {
				t.Errorf("Record = %v, want ErrInvalid and ErrNotRecorded", err)
			}
		})
	}
	if n := len(audittest.Records(t, js)); n != 0 {
		t.Errorf("%d records stored, want none", n)
	}
}

// TestAuditStreamCannotBeEdited: FAXPIPE_AUDIT refuses to delete a record
// or be purged, and discards nothing to make room.
func TestAuditStreamCannotBeEdited(t *testing.T) {
	js := broker(t, config.Default().Streams)
	log, err := audit.New(js, reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Record(t.Context(), audit.Entry{Action: audit.DocumentRead}); err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(t.Context(), fax.AuditStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMsg(t.Context(), 1); err == nil {
		t.Error("a record was deleted")
	}
	if err := st.Purge(t.Context()); err == nil {
		t.Error("the audit stream was purged")
	}
	c := st.CachedInfo().Config
	if c.Discard != jetstream.DiscardNew || c.MaxAge <= 0 || c.MaxBytes <= 0 {
		t.Errorf("discard %v max_age %v max_bytes %d, want discard new and finite limits", c.Discard, c.MaxAge, c.MaxBytes)
	}
	relaxed := stream.NewTopology(config.Default().Streams).Streams
	for _, sc := range relaxed {
		if sc.Name == fax.AuditStream {
			sc.DenyPurge = false
			if _, err := js.UpdateStream(t.Context(), sc); err == nil {
				t.Error("the audit stream's deny_purge was turned off")
			}
		}
	}
	if n := len(audittest.Records(t, js)); n != 1 {
		t.Errorf("%d records, want 1", n)
	}
}
