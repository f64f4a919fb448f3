package consumer_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// TestFilters: each filter field selects exactly the matching events and
// documents; what does not match is acknowledged without reaching the
// handler.
func TestFilters(t *testing.T) {
	js := broker(t)
	evs := []fax.Event{
		event(fax.EFax, "demo", "fax.inbound.received", "e1"),
		event(fax.Sfax, "acme", "fax.outbound.delivered", "s1"),
		event(fax.GoFax, "demo", "sms.inbound.received", "g1"),
		event(fax.EFax, "acme", "fax.outbound.failed", "e2"),
		event(fax.Sfax, "demo", "fax.inbound.ping", "s2"),
	}
	for _, ev := range evs {
		publishEvent(t, js, ev)
	}
	publishDocument(t, js, stored(evs[0], "efax/demo/e1.pdf", 10, strings.Repeat("a", 64)))
	publishDocument(t, js, failed(evs[1]))

	cases := []struct {
		name      string
		filter    consumer.Filter
		events    []string
		documents []string
	}{
		{"none", consumer.Filter{}, []string{"e1", "s1", "g1", "e2", "s2"}, []string{"e1", "s1"}},
		{"provider", consumer.Filter{Provider: fax.EFax}, []string{"e1", "e2"}, []string{"e1"}},
		{"account", consumer.Filter{Account: "acme"}, []string{"s1", "e2"}, []string{"s1"}},
		{"channel sms", consumer.Filter{Channel: fax.ChannelSMS}, []string{"g1"}, nil},
		{"direction outbound", consumer.Filter{Direction: fax.Outbound}, []string{"s1", "e2"}, nil},
		{"direction inbound", consumer.Filter{Direction: fax.Inbound}, []string{"e1", "g1", "s2"}, []string{"e1", "s1"}},
		{"outcome failed, events and documents", consumer.Filter{Outcome: "failed"}, []string{"e2"}, []string{"s1"}},
		{"outcome stored, documents only", consumer.Filter{Outcome: "stored"}, nil, []string{"e1"}},
		{"outcome ping, events only", consumer.Filter{Outcome: "ping"}, []string{"s2"}, nil},
		{"provider and outcome", consumer.Filter{Provider: fax.Sfax, Outcome: "delivered"}, []string{"s1"}, nil},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := consumer.Config{Durable: "filter-" + string(rune('a'+i)), Filter: c.filter}
			gotEv := faxIDs(drain(t, js, consumer.Events(js, cfg), fax.EventsStream, cfg.Durable))
			var gotDoc []string
			for _, m := range drain(t, js, consumer.Documents(js, cfg), fax.DocumentsStream, cfg.Durable) {
				gotDoc = append(gotDoc, m.Data.FaxID)
			}
			if !slices.Equal(gotEv, c.events) || !slices.Equal(gotDoc, c.documents) {
				t.Errorf("events %v documents %v; want %v and %v", gotEv, gotDoc, c.events, c.documents)
			}
		})
	}
}

// TestWhere: a condition in code skips (and acknowledges) what it refuses.
func TestWhere(t *testing.T) {
	js := broker(t)
	for _, id := range []string{"keep-1", "skip-1", "keep-2"} {
		publishEvent(t, js, event(fax.EFax, "demo", "fax.inbound.received", id))
	}
	cfg := consumer.Config{Durable: "where"}
	c := consumer.Events(js, cfg).Where(func(m consumer.Message[fax.Event]) bool {
		return strings.HasPrefix(m.Data.FaxID, "keep")
	})
	if got := faxIDs(drain(t, js, c, fax.EventsStream, cfg.Durable)); !slices.Equal(got, []string{"keep-1", "keep-2"}) {
		t.Errorf("handled %v, want [keep-1 keep-2]", got)
	}
}

// TestFilterSubjects: the broker filters on the subject tokens.
func TestFilterSubjects(t *testing.T) {
	cases := []struct {
		name            string
		filter          consumer.Filter
		events, docs    string
		matchEv, matchD bool
	}{
		{"empty", consumer.Filter{}, "faxpipe.events.*.*.*.*.*", "faxpipe.documents.*.*.*", true, true},
		{"all fields", consumer.Filter{Provider: "efax", Account: "a", Channel: "fax", Direction: "inbound", Outcome: "received"},
			"faxpipe.events.efax.a.fax.inbound.received", "faxpipe.documents.efax.a.*", true, false},
		{"document outcome", consumer.Filter{Outcome: "stored"}, "faxpipe.events.*.*.*.*.*", "faxpipe.documents.*.*.stored", false, true},
		{"failed is both", consumer.Filter{Outcome: "failed"}, "faxpipe.events.*.*.*.*.failed", "faxpipe.documents.*.*.failed", true, true},
		{"sms has no documents", consumer.Filter{Channel: "sms"}, "faxpipe.events.*.*.sms.*.*", "faxpipe.documents.*.*.*", true, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.filter.EventSubject(); got != c.events {
				t.Errorf("EventSubject = %q, want %q", got, c.events)
			}
			if got := c.filter.DocumentSubject(); got != c.docs {
				t.Errorf("DocumentSubject = %q, want %q", got, c.docs)
			}
			if c.filter.MatchesEvents() != c.matchEv || c.filter.MatchesDocuments() != c.matchD {
				t.Errorf("MatchesEvents %v MatchesDocuments %v, want %v %v",
					c.filter.MatchesEvents(), c.filter.MatchesDocuments(), c.matchEv, c.matchD)
			}
		})
	}
}

// TestFilterValidate: a value faxpipe never publishes (or a wildcard) is
// refused, naming the field.
func TestFilterValidate(t *testing.T) {
	cases := []struct {
		name   string
		filter consumer.Filter
		field  string // empty: valid
	}{
		{"valid", consumer.Filter{Provider: "efax", Account: "acme-1", Channel: "sms", Direction: "outbound", Outcome: "stored"}, ""},
		{"wildcard provider", consumer.Filter{Provider: "*"}, "provider"},
		{"dotted account", consumer.Filter{Account: "a.b"}, "account"},
		{"channel", consumer.Filter{Channel: "voice"}, "channel"},
		{"direction", consumer.Filter{Direction: "sideways"}, "direction"},
		{"outcome", consumer.Filter{Outcome: ">"}, "outcome"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.filter.Validate()
			if c.field == "" && err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if c.field != "" && (err == nil || !strings.Contains(err.Error(), "filter "+c.field)) {
				t.Fatalf("Validate = %v, want an error about %s", err, c.field)
			}
		})
	}
}
