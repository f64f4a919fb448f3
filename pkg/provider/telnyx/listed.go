package telnyx

import (
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// normalizeListed maps a fax the lister found (an API envelope, its seal
// already checked) — one fax resource of GET /v2/faxes [lib]: id,
// connection_id, direction, from, to, status, created_at, updated_at,
// media_url… — to the event its fax.received webhook gives: channel fax,
// inbound, received, a document to fetch, and the same fax id (the
// resource's id is the webhook's fax_id [lib]), so the same event id.
// updated_at is taken as the completion time [?: the resource has no
// completion time; a received fax is not updated after]. Its status must
// be received (or absent: the lister skips the others) and its media_url
// trusted as a webhook's; anything but one JSON object with an id is
// malformed. Every other member is kept verbatim in provider_fields.
func normalizeListed(raw fax.RawMessage, acc Account) (fax.Event, error) {
	o, err := parseObject(raw.Envelope.Body, "listed fax")
	if err != nil {
		return fax.Event{}, err
	}
	if err := checkMediaURL(acc, o); err != nil {
		return fax.Event{}, err
	}
	if s, ok := o.text("status"); ok && s != statusReceived {
		return fax.Event{}, fmt.Errorf("telnyx listed fax has status %q, not %s: %w", s, statusReceived, fax.ReasonMalformed)
	}
	if _, ok := o.m["fax_id"]; !ok {
		// The resource names it id; the webhook, fax_id.
		if v, ok := o.m["id"]; ok {
			o.m["fax_id"] = v
			delete(o.m, "id")
		}
	}
	ev := fax.NewEvent(raw)
	ev.Channel = fax.ChannelFax
	mapFax(&ev, o)
	ev.CompletedAt = o.time("updated_at")
	ev.Outcome, ev.Success, ev.Document = fax.OutcomeReceived, true, true
	if o.err != nil {
		return fax.Event{}, o.err
	}
	if ev.Direction != fax.Inbound {
		return fax.Event{}, fmt.Errorf("telnyx listed fax is %s, not inbound: %w", ev.Direction, fax.ReasonMalformed)
	}
	ev.ProviderFields = o.m
	return fax.Checked(ev)
}

// statusReceived is the status of a fax received in full or in part [lib].
const statusReceived = "received"
