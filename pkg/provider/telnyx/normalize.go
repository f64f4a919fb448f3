package telnyx

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// The event types of fax webhooks [doc]. Terminal ones become events;
// intermediate ones are recorded, not emitted (see intermediateEvents).
const (
	EventReceived  = "fax.received"
	EventDelivered = "fax.delivered"
	EventFailed    = "fax.failed"
)

// intermediateEvents report a fax under way [doc]: inbound
// fax.receiving.started and fax.media.processing.started; outbound
// fax.queued, fax.media.processed and fax.sending.started; and
// fax.email.delivered (a copy e-mailed, [lib]). faxpipe's outcomes are
// received, delivered, failed and ping (SPEC), none of which they are:
// each is verified, kept in FAXPIPE_RAW, and ends in FAXPIPE_REJECTED as
// unknown_event saying it is intermediate — recorded, not emitted. The
// fax's terminal webhook makes its event.
var intermediateEvents = []string{
	"fax.receiving.started", "fax.media.processing.started",
	"fax.queued", "fax.media.processed", "fax.sending.started", "fax.email.delivered",
}

// webhookRename names in provider_fields the members of data that would
// be ambiguous under their own name: data.id is the webhook's id, not the
// fax's.
var webhookRename = map[string]string{"id": "event_id"}

// normalize maps a Telnyx webhook body, already verified, to an event:
// {"data":{"event_type","id","occurred_at","record_type","payload":{…}},
// "meta":{"attempt","delivered_to"}} [doc]. Mapped from the payload:
// fax_id, direction, from, to, caller_id, page_count, call_duration_secs,
// status, failure_reason; occurred_at is the completion time. Every other
// member — of payload first, then of data (id as event_id, event_type,
// record_type…) and the top level (meta) — is kept verbatim in
// provider_fields, media_url included, which the downloader reads.
func normalize(raw fax.RawMessage, acc Account, verifying bool) (fax.Event, error) {
	top, err := parseObject(raw.Envelope.Body, "body")
	if err != nil {
		return fax.Event{}, err
	}
	data, err := top.child("data")
	if err != nil {
		return fax.Event{}, err
	}
	payload, err := data.child("payload")
	if err != nil {
		return fax.Event{}, err
	}
	kind, _ := data.text("event_type")
	if err := checkKind(kind); err != nil {
		return fax.Event{}, err
	}
	if err := check(acc, payload, verifying); err != nil {
		return fax.Event{}, err
	}
	ev := fax.NewEvent(raw)
	ev.Channel = fax.ChannelFax
	mapFax(&ev, payload)
	ev.CompletedAt = data.time("occurred_at")
	switch kind {
	case EventReceived:
		mapReceived(&ev, payload)
	case EventDelivered:
		ev.Outcome, ev.Success = fax.OutcomeDelivered, true
	case EventFailed:
		ev.Outcome = fax.OutcomeFailed
		ev.ErrorCode = payload.take("failure_reason")
	}
	if payload.err != nil {
		return fax.Event{}, payload.err
	}
	if err := checkDirection(kind, ev.Direction); err != nil {
		return fax.Event{}, err
	}
	ev.ProviderFields = payload.m
	data.mergeInto(ev.ProviderFields, "data.", webhookRename)
	top.mergeInto(ev.ProviderFields, "webhook.", nil)
	return fax.Checked(ev)
}

// checkKind accepts the terminal event types; an intermediate one or any
// other is unknown_event, saying which.
func checkKind(kind string) error {
	switch {
	case kind == EventReceived || kind == EventDelivered || kind == EventFailed:
		return nil
	case slices.Contains(intermediateEvents, kind):
		return fmt.Errorf("telnyx %s is an intermediate status, recorded and not emitted: the fax's event comes with its %s, %s or %s webhook: %w",
			kind, EventReceived, EventDelivered, EventFailed, fax.ReasonUnknownEvent)
	default:
		return fmt.Errorf("telnyx event_type %q is no fax event faxpipe knows: %w", kind, fax.ReasonUnknownEvent)
	}
}

// checkDirection refuses a direction its event type cannot have: a
// received fax is inbound, a delivered one outbound [doc].
func checkDirection(kind string, d fax.Direction) error {
	if (kind == EventReceived && d != fax.Inbound) || (kind == EventDelivered && d != fax.Outbound) {
		return fmt.Errorf("telnyx %s with direction %s: %w", kind, d, fax.ReasonMalformed)
	}
	return nil
}

// mapFax maps what every fax webhook and listed fax share: the fax id,
// direction, numbers (E.164 [doc]), caller id, pages, duration and
// status. A direction other than inbound or outbound is malformed.
func mapFax(ev *fax.Event, o *object) {
	ev.FaxID = o.require("fax_id")
	switch d := o.take("direction"); strings.ToLower(d) {
	case "inbound":
		ev.Direction = fax.Inbound
	case "outbound":
		ev.Direction = fax.Outbound
	default:
		if o.err == nil {
			o.err = fmt.Errorf("telnyx direction %q is neither inbound nor outbound: %w", d, fax.ReasonMalformed)
		}
	}
	ev.From = fax.NewParty(o.take("from"), "")
	ev.To = fax.NewParty(o.take("to"), "")
	ev.CallerID = o.take("caller_id")
	ev.Pages = o.count("page_count")
	ev.DurationSeconds = o.count("call_duration_secs")
	ev.StatusMessage = o.take("status")
}

// mapReceived makes a received fax: success unless partial_content says
// only part of it arrived [doc] — its pages are worth having all the
// same, so a document is fetched unless page_count says there is none.
func mapReceived(ev *fax.Event, o *object) {
	ev.Outcome = fax.OutcomeReceived
	ev.Success = !o.flag("partial_content")
	ev.Document = ev.Pages == nil || *ev.Pages > 0
}

// check applies the account's checks that read the payload: its
// connection_id when verifying and the account names one (credentials
// mismatch otherwise), and media_url always (see checkMediaURL).
func check(acc Account, payload *object, verifying bool) error {
	if verifying && acc.ConnectionID != "" {
		if got, _ := payload.text("connection_id"); got != acc.ConnectionID {
			return fmt.Errorf("telnyx connection_id %q is not the account's: %w", got, fax.ReasonCredentialsMismatch)
		}
	}
	return checkMediaURL(acc, payload)
}

// checkMediaURL refuses, as untrusted_resource_url, a media_url that is
// not a string or does not point at the account's API host or one of its
// media_base_urls (fax.TrustedURL: https, no user info); an absent or
// null one passes. It is the guard against server-side request forgery,
// so it applies to every account, verifying or not.
func checkMediaURL(acc Account, o *object) error {
	raw, ok := o.m["media_url"]
	if !ok || string(raw) == "null" {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return fmt.Errorf("telnyx media_url is not a string: %w", fax.ReasonUntrustedResourceURL)
	}
	_, err := trustedMediaURL(acc, s)
	return err
}
