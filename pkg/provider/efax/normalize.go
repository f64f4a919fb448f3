package efax

import (
	"fmt"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// region is how national numbers are read; eFax writes international ones
// without '+' (13235555555) and is a US service.
const region = "US"

// normalize maps an eFax webhook body to an event. event_type PING is the
// provider's test notification: outcome ping, test, no document, and its
// notification_id as the fax id. Otherwise direction INBOUND is a received
// fax with a document to fetch, OUTBOUND a sent one. app_id, user_id
// (which the downloader sends as the user-id header), resource_url and
// every other member not mapped are kept verbatim in provider_fields.
func normalize(raw fax.RawMessage, f *fields) (fax.Event, error) {
	ev := fax.NewEvent(raw)
	ev.Channel = fax.ChannelFax
	ev.Direction = direction(f)
	if strings.EqualFold(f.str("event_type"), "PING") {
		ev.Outcome, ev.Success, ev.Test = fax.OutcomePing, true, true
		ev.FaxID = f.require("notification_id")
	} else {
		mapFax(&ev, f)
	}
	if f.err != nil {
		return fax.Event{}, f.err
	}
	ev.ProviderFields = f.rest()
	return fax.Checked(ev)
}

// direction takes the direction member, INBOUND or OUTBOUND in any case.
// A missing one reads as inbound, which is what a ping without it is; an
// unknown one is malformed.
func direction(f *fields) fax.Direction {
	switch d := f.str("direction"); strings.ToUpper(d) {
	case "INBOUND", "":
		return fax.Inbound
	case "OUTBOUND":
		return fax.Outbound
	default:
		f.err = fmt.Errorf("efax direction %q is neither INBOUND nor OUTBOUND: %w", d, fax.ReasonMalformed)
		return ""
	}
}

// mapFax maps the members of a fax notification.
func mapFax(ev *fax.Event, f *fields) {
	mapMembers(ev, f, "sending_fax_number", "receiving_fax_number")
	if ev.Direction == fax.Outbound {
		mapOutcome(ev, f)
		return
	}
	ev.Outcome, ev.Success, ev.Document = fax.OutcomeReceived, true, true
}

// mapMembers maps what a notification and an item of the listing of
// received faxes (listed.go) share — fax_id, completed_timestamp,
// duration, pages, originating_fax_tsid — and the numbers, which they
// name differently: from and to are the members of the sender's and the
// recipient's.
func mapMembers(ev *fax.Event, f *fields, from, to string) {
	ev.FaxID = f.require("fax_id")
	ev.CompletedAt = f.time("completed_timestamp")
	ev.DurationSeconds = f.count("duration")
	ev.Pages = f.count("pages")
	ev.From = fax.NewIntlParty(f.str(from), region)
	ev.To = fax.NewIntlParty(f.str(to), region)
	ev.StationID = f.str("originating_fax_tsid")
}

// deliveredStatuses are the status values of a delivered outbound fax.
var deliveredStatuses = []string{"SUCCESS", "SUCCEEDED", "SENT", "DELIVERED", "COMPLETE", "COMPLETED"}

// mapOutcome decides whether an outbound fax was delivered. The outbound
// webhook's fields are not documented [?]; assumed: a status member, when
// present, says it (one of deliveredStatuses, in any case, is delivered;
// any other value failed); without one, an error_code other than 0 or an
// error_message means failed, and a notification with neither is a
// delivered fax, which is what eFax notifies by default.
func mapOutcome(ev *fax.Event, f *fields) {
	status := f.str("status")
	ev.ErrorCode = f.str("error_code")
	ev.StatusMessage = status
	if status == "" {
		ev.StatusMessage = f.str("error_message")
	}
	if status != "" {
		ev.Success = containsFold(deliveredStatuses, status)
	} else {
		ev.Success = (ev.ErrorCode == "" || ev.ErrorCode == "0") && ev.StatusMessage == ""
	}
	ev.Outcome = fax.OutcomeFailed
	if ev.Success {
		ev.Outcome = fax.OutcomeDelivered
	}
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
