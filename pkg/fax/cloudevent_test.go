package fax_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func sampleEvent() fax.Event {
	return fax.Event{
		Provider: fax.EFax, Account: "acme", Channel: fax.ChannelFax, Direction: fax.Inbound,
		Outcome: fax.OutcomeReceived, Success: true, FaxID: "7e029808", Document: true,
		RawRef:         fax.RawRef{ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", StreamSeq: 7},
		ReceivedAt:     time.Date(2024, 5, 10, 18, 0, 0, 0, time.UTC),
		ProviderFields: map[string]json.RawMessage{},
	}
}

func TestEventIDIsDeterministic(t *testing.T) {
	base := sampleEvent()
	same := base
	same.RawRef = fax.RawRef{ID: "another-raw-message", StreamSeq: 99}
	same.ReceivedAt = base.ReceivedAt.Add(time.Hour)
	same.Pages = new(int)
	if base.ID() != same.ID() {
		t.Errorf("a re-delivery got another id: %s, %s", base.ID(), same.ID())
	}
	tests := []struct {
		name string
		edit func(*fax.Event)
	}{
		{name: "provider", edit: func(e *fax.Event) { e.Provider = fax.Sfax }},
		{name: "account", edit: func(e *fax.Event) { e.Account = "globex" }},
		{name: "channel", edit: func(e *fax.Event) { e.Channel = fax.ChannelSMS }},
		{name: "direction", edit: func(e *fax.Event) { e.Direction = fax.Outbound }},
		{name: "outcome", edit: func(e *fax.Event) { e.Outcome = fax.OutcomeFailed }},
		{name: "fax id", edit: func(e *fax.Event) { e.FaxID = "7e029809" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEvent()
			tt.edit(&e)
			if e.ID() == base.ID() {
				t.Errorf("changing the %s kept the id %s", tt.name, e.ID())
			}
		})
	}
}

func TestEventIDIsPinned(t *testing.T) {
	// Changing the scheme would break dedupe across an upgrade: ids are kept
	// in FAXPIPE_EVENTS's duplicate window and in every consumer's history.
	// The value was computed independently, with Python's uuid module:
	//   ns = uuid5(NAMESPACE_URL, "https://faxpipe.dev/ns/event")
	//   uuid5(ns, "efax/acme/fax/inbound/7e029808/received")
	if got, want := sampleEvent().ID(), "03d248d8-3bc0-5fb5-9408-fe728487d584"; got != want {
		t.Errorf("ID = %s, want %s", got, want)
	}
}

func TestEncode(t *testing.T) {
	e := sampleEvent()
	completed := time.Date(2024, 5, 10, 19, 54, 11, 0, time.FixedZone("CEST", 2*3600))
	e.CompletedAt = &completed
	enc, err := e.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := enc.Subject, "faxpipe.events.efax.acme.fax.inbound.received"; got != want {
		t.Errorf("subject = %q, want %q", got, want)
	}
	if enc.ID != e.ID() {
		t.Errorf("id = %q, want %q", enc.ID, e.ID())
	}
	var ce map[string]any
	if err := json.Unmarshal(enc.Data, &ce); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"specversion": "1.0", "id": e.ID(), "type": "faxpipe.fax.inbound.received",
		"source": "faxpipe/efax/acme", "subject": "7e029808", "time": "2024-05-10T17:54:11Z",
		"datacontenttype": "application/json", "dataschema": fax.EventDataSchema,
	}
	for k, v := range want {
		if ce[k] != v {
			t.Errorf("%s = %v, want %v", k, ce[k], v)
		}
	}
	if d, _ := ce["data"].(map[string]any); d == nil || d["fax_id"] != "7e029808" {
		t.Errorf("data = %v", ce["data"])
	}
}

func TestTimeFallsBackToReceipt(t *testing.T) {
	e := sampleEvent()
	if got := e.Time(); !got.Equal(e.ReceivedAt) {
		t.Errorf("Time = %s, want the receipt time %s", got, e.ReceivedAt)
	}
}

func TestValidateRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(*fax.Event)
	}{
		{name: "empty fax id", edit: func(e *fax.Event) { e.FaxID = "" }},
		{name: "blank fax id", edit: func(e *fax.Event) { e.FaxID = " " }},
		{name: "fax id with surrounding space", edit: func(e *fax.Event) { e.FaxID = "1 " }},
		{name: "fax id with a control character", edit: func(e *fax.Event) { e.FaxID = "1\n2" }},
		{name: "fax id not UTF-8", edit: func(e *fax.Event) { e.FaxID = "\xff" }},
		{name: "account with a dot", edit: func(e *fax.Event) { e.Account = "a.b" }},
		{name: "provider with a wildcard", edit: func(e *fax.Event) { e.Provider = "*" }},
		{name: "unknown channel", edit: func(e *fax.Event) { e.Channel = "telex" }},
		{name: "unknown direction", edit: func(e *fax.Event) { e.Direction = "" }},
		{name: "unknown outcome", edit: func(e *fax.Event) { e.Outcome = "queued" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sampleEvent()
			tt.edit(&e)
			if err := e.Validate(); err == nil {
				t.Fatal("Validate accepted it")
			}
			if _, err := e.Encode(); err == nil {
				t.Fatal("Encode accepted it")
			}
			if _, err := fax.Checked(e); !strings.Contains(err.Error(), "malformed") {
				t.Errorf("Checked error = %v, want malformed", err)
			}
		})
	}
}

// TestEncodeIsTheSDKsJSON: Encode writes, byte for byte, what the CloudEvents
// SDK writes for CloudEvent(), so consumers using the SDK read it as its own.
func TestEncodeIsTheSDKsJSON(t *testing.T) {
	withNanos := sampleEvent()
	at := time.Date(2024, 5, 10, 17, 54, 11, 123456789, time.UTC)
	withNanos.CompletedAt = &at
	noCompletion := sampleEvent()
	noCompletion.CompletedAt = nil
	html := sampleEvent()
	html.FaxID = "<fax & id>"
	for name, ev := range map[string]fax.Event{"sample": sampleEvent(), "nanoseconds": withNanos, "receipt time": noCompletion, "HTML characters": html} {
		t.Run(name, func(t *testing.T) {
			enc, err := ev.Encode()
			if err != nil {
				t.Fatal(err)
			}
			got := enc.Data
			ce, err := ev.CloudEvent()
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(ce)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want) {
				t.Errorf("Encode =\n%s\nSDK =\n%s", got, want)
			}
		})
	}
}
