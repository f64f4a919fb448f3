package providertest

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/schemas"
)

// ValidateJSON fails t unless data validates against the schema in file
// name of the schemas package.
func ValidateJSON(t testing.TB, name string, data []byte) {
	t.Helper()
	if err := schemas.Validate(name, data); err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
}

// CheckEvent encodes ev, checks that its CloudEvent validates against
// fax-event.v1.json and agrees with ev (id, type, source, subject, data),
// and returns the subject and the CloudEvent JSON.
func CheckEvent(t testing.TB, ev fax.Event) (string, []byte) {
	t.Helper()
	enc, err := ev.Encode()
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	subject, data := enc.Subject, enc.Data
	ValidateJSON(t, "fax-event.v1.json", data)
	var ce struct {
		ID, Type, Source, Subject string
		Data                      fax.Event
	}
	if err := json.Unmarshal(data, &ce); err != nil {
		t.Fatal(err)
	}
	if ce.ID != ev.ID() || enc.ID != ev.ID() || ce.Type != ev.Type() || ce.Source != ev.Source() || ce.Subject != ev.FaxID {
		t.Errorf("cloudevent id/type/source/subject = %s %s %s %s, want %s %s %s %s",
			ce.ID+" (encoded as "+enc.ID+")", ce.Type, ce.Source, ce.Subject, ev.ID(), ev.Type(), ev.Source(), ev.FaxID)
	}
	if got, want := subject, ev.Subject(); got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	if ce.Data.FaxID != ev.FaxID || ce.Data.Outcome != ev.Outcome || ce.Data.RawRef != ev.RawRef {
		t.Errorf("cloudevent data = %+v, want %+v", ce.Data, ev)
	}
	return subject, data
}

// CheckRejected fails t unless err wraps want, ev is the zero Event, and the
// Rejected record of raw validates against rejected.v1.json and is
// published on a subject ending in the reason.
func CheckRejected(t testing.TB, raw fax.RawMessage, ev fax.Event, err error, want fax.Reason) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error = %v, want one wrapping %s", err, want)
	}
	if got, ok := fax.ReasonOf(err); !ok || got != want {
		t.Errorf("ReasonOf = %q, %v; want %q", got, ok, want)
	}
	if !reflect.DeepEqual(ev, fax.Event{}) {
		t.Errorf("rejected callback produced an event: %+v", ev)
	}
	rec := fax.NewRejected(raw, err, RejectedAt)
	if got, want := rec.Subject(), fax.RejectedSubject(raw.Envelope.Provider, raw.Envelope.Account, want); got != want {
		t.Errorf("rejection subject = %q, want %q", got, want)
	}
	data, merr := json.Marshal(rec)
	if merr != nil {
		t.Fatal(merr)
	}
	ValidateJSON(t, "rejected.v1.json", data)
}

// Rejects fails t unless a normalizes raw into a rejection with the reason
// want and no event (see CheckRejected).
func Rejects(t testing.TB, a fax.Normalizer, raw fax.RawMessage, want fax.Reason) {
	t.Helper()
	ev, err := a.Normalize(raw)
	CheckRejected(t, raw, ev, err, want)
}

// CheckOutcome is for fuzzing: whatever Normalize returned must be either
// an event that encodes and validates, or a rejection with a reason and no
// event.
func CheckOutcome(t testing.TB, raw fax.RawMessage, ev fax.Event, err error) {
	t.Helper()
	if err == nil {
		CheckEvent(t, ev)
		return
	}
	r, ok := fax.ReasonOf(err)
	if !ok {
		t.Fatalf("error wraps no reason: %v", err)
	}
	CheckRejected(t, raw, ev, err, r)
}
