package fax

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/goccy/go-json"
	"github.com/google/uuid"
)

// EventSchema is the JSON Schema id of a normalized event's CloudEvent
// (schemas/fax-event.v1.json).
const EventSchema = "https://faxpipe.dev/schemas/fax-event.v1.json"

// EventDataSchema is the CloudEvents dataschema of Event: the data
// definition inside EventSchema.
const EventDataSchema = EventSchema + "#/$defs/data"

// eventNamespace is the UUIDv5 namespace of event ids.
var eventNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://faxpipe.dev/ns/event"))

var providerPattern = regexp.MustCompile(`^[a-z0-9]+$`)

// ID is the event's deterministic CloudEvents id: the UUIDv5 (SHA-1,
// RFC 9562) in the namespace UUIDv5(URL, "https://faxpipe.dev/ns/event") of
// the name "{provider}/{account}/{channel}/{direction}/{fax_id}/{outcome}".
// Only fax_id may contain '/', and it is the one free field, so the name is
// unambiguous. Re-deliveries and replays of a callback get the same id, which
// is what the processor dedupes on.
func (e Event) ID() string {
	name := strings.Join([]string{
		string(e.Provider), e.Account, string(e.Channel), string(e.Direction), e.FaxID, string(e.Outcome),
	}, "/")
	return uuid.NewSHA1(eventNamespace, []byte(name)).String()
}

// Type is the CloudEvents type, faxpipe.{channel}.{direction}.{outcome}.
func (e Event) Type() string {
	return "faxpipe." + string(e.Channel) + "." + string(e.Direction) + "." + string(e.Outcome)
}

// Source is the CloudEvents source, faxpipe/{provider}/{account}.
func (e Event) Source() string {
	return "faxpipe/" + string(e.Provider) + "/" + e.Account
}

// Subject is the stream subject the event is published on:
// faxpipe.events.{provider}.{account}.{channel}.{direction}.{outcome}.
func (e Event) Subject() string {
	return EventSubject(e.Provider, e.Account, e.Channel, e.Direction, e.Outcome)
}

// Time is the CloudEvents time: the provider's completion time when it gave
// one, else the receipt time.
func (e Event) Time() time.Time {
	if e.CompletedAt != nil {
		return e.CompletedAt.UTC()
	}
	return e.ReceivedAt.UTC()
}

// Validate reports whether e can be published: every subject token valid
// and a fax id present, printable and without surrounding space.
func (e Event) Validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(providerPattern.MatchString(string(e.Provider)), "provider %q is not a subject token", e.Provider)
	check(ValidateAccountID(e.Account) == nil, "account %q is not an account id", e.Account)
	check(slices.Contains([]Channel{ChannelFax, ChannelSMS}, e.Channel), "unknown channel %q", e.Channel)
	check(slices.Contains([]Direction{Inbound, Outbound}, e.Direction), "unknown direction %q", e.Direction)
	check(slices.Contains([]Outcome{OutcomeReceived, OutcomeDelivered, OutcomeFailed, OutcomePing}, e.Outcome), "unknown outcome %q", e.Outcome)
	check(validFaxID(e.FaxID), "fax_id %q must be printable UTF-8, not empty, without surrounding space", e.FaxID)
	return errors.Join(errs...)
}

// validFaxID reports whether id can be a CloudEvents subject as is: the SDK
// trims surrounding space, and an id of nothing but space would vanish.
func validFaxID(id string) bool {
	return id != "" && utf8.ValidString(id) && strings.TrimSpace(id) == id &&
		!strings.ContainsFunc(id, unicode.IsControl)
}

// CloudEvent returns e as a CloudEvents 1.0 event with e as its JSON data.
func (e Event) CloudEvent() (event.Event, error) {
	if err := e.Validate(); err != nil {
		return event.Event{}, fmt.Errorf("invalid event: %w", err)
	}
	ce := event.New()
	ce.SetID(e.ID())
	ce.SetType(e.Type())
	ce.SetSource(e.Source())
	ce.SetSubject(e.FaxID)
	ce.SetTime(e.Time())
	ce.SetDataSchema(EventDataSchema)
	if err := ce.SetData(event.ApplicationJSON, e); err != nil {
		return event.Event{}, fmt.Errorf("encode event data: %w", err)
	}
	if err := ce.Validate(); err != nil {
		return event.Event{}, fmt.Errorf("invalid cloudevent: %w", err)
	}
	return ce, nil
}

// Encoded is an event ready to publish: its subject, its id (the
// CloudEvent's, and the Nats-Msg-Id the events stream dedupes by) and its
// CloudEvent in structured-mode JSON.
type Encoded struct {
	Subject string
	ID      string
	Data    []byte
}

// Encode returns e ready to publish (Encoded), its CloudEvent the same
// bytes as json.Marshal of CloudEvent(), attribute for attribute, without
// the SDK's intermediate encodings (the processor's hot path). It fails
// only for an event that Validate refuses.
func (e Event) Encode() (Encoded, error) {
	if err := e.Validate(); err != nil {
		return Encoded{}, fmt.Errorf("invalid event: %w", err)
	}
	id := e.ID()
	data, err := json.Marshal(structuredEvent{
		SpecVersion:     event.CloudEventsVersionV1,
		ID:              id,
		Source:          e.Source(),
		Type:            e.Type(),
		Subject:         e.FaxID,
		DataContentType: event.ApplicationJSON,
		DataSchema:      EventDataSchema,
		Time:            e.Time().Format(time.RFC3339Nano),
		Data:            e,
	})
	if err != nil {
		return Encoded{}, fmt.Errorf("encode cloudevent: %w", err)
	}
	return Encoded{Subject: e.Subject(), ID: id, Data: data}, nil
}

// structuredEvent is a CloudEvent in structured mode, attributes in the
// order the SDK writes them.
type structuredEvent struct {
	SpecVersion     string `json:"specversion"`
	ID              string `json:"id"`
	Source          string `json:"source"`
	Type            string `json:"type"`
	Subject         string `json:"subject"`
	DataContentType string `json:"datacontenttype"`
	DataSchema      string `json:"dataschema"`
	Time            string `json:"time"`
	Data            Event  `json:"data"`
}

// Checked returns ev if it can be published (see Validate), else the zero
// Event and an error wrapping ReasonMalformed. Adapters end Normalize with it.
func Checked(ev Event) (Event, error) {
	if err := ev.Validate(); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ReasonMalformed, err)
	}
	return ev, nil
}
