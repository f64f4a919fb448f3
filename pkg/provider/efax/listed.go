package efax

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// userIDHeader is the header every eFax API call names its user in [doc];
// the lister records it in the item's envelope.
const userIDHeader = "user-id"

// normalizeListed maps a fax the lister found (an API envelope, its seal
// already checked: listing.Envelope) to the event the received-fax
// webhook of the same fax gives: channel fax, inbound, received, success,
// a document to fetch, and the same fax_id, so the same event id. The
// item's members [?] are mapped as the webhook's, its numbers named
// originating_fax_number and destination_fax_number; its resource_url is
// checked as the webhook's (untrusted_resource_url). Every other member
// is kept verbatim in provider_fields, and user_id is set to the envelope's
// user-id header — the user the listing was made as, whom eFax showed the
// fax — when it has one, since the downloader sends provider_fields.user_id
// as that header. Anything but one JSON object with a fax_id is malformed.
func normalizeListed(raw fax.RawMessage, acc Account) (fax.Event, error) {
	f, err := parseFields(raw.Envelope.Body)
	if err != nil {
		return fax.Event{}, err
	}
	if err := checkResourceURL(acc, f); err != nil {
		return fax.Event{}, err
	}
	ev := fax.NewEvent(raw)
	ev.Channel, ev.Direction = fax.ChannelFax, fax.Inbound
	mapMembers(&ev, f, "originating_fax_number", "destination_fax_number")
	ev.Outcome, ev.Success, ev.Document = fax.OutcomeReceived, true, true
	if f.err != nil {
		return fax.Event{}, f.err
	}
	ev.ProviderFields = f.rest()
	if err := listedUser(raw.Envelope, ev.ProviderFields); err != nil {
		return fax.Event{}, err
	}
	return fax.Checked(ev)
}

// listedUser sets pf's user_id to env's user-id header, if it has one; a
// repeated or blank one is malformed (the lister sends one user id, or
// none).
func listedUser(env *fax.Envelope, pf map[string]json.RawMessage) error {
	ids := env.HeaderValues(userIDHeader)
	switch {
	case len(ids) == 0:
		return nil
	case len(ids) > 1 || strings.TrimSpace(ids[0]) == "":
		return fmt.Errorf("efax listing envelope has %d %s headers, want one user id: %w", len(ids), userIDHeader, fax.ReasonMalformed)
	}
	pf["user_id"], _ = json.Marshal(ids[0]) // a string: cannot fail
	return nil
}
