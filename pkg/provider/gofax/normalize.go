package gofax

import (
	"fmt"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/form"
)

// region is how national numbers are read; GoFax writes international ones
// without '+' (61712344321) [doc] and is an Australian service.
const region = "AU"

// normalize maps the fields of a GoFax callback of the given kind (the
// EventParam value, maybe empty) to an event.
func normalize(raw fax.RawMessage, kind string, f *form.Fields) (fax.Event, error) {
	ev := fax.NewEvent(raw)
	switch strings.ToLower(kind) {
	case EventFaxReceived:
		mapReceived(&ev, f)
	case EventFaxSent:
		mapSent(&ev, f, fax.ChannelFax)
	case EventSMSSent:
		mapSent(&ev, f, fax.ChannelSMS)
	case "":
		if f.Count("FaxID") > 0 {
			mapReceived(&ev, f)
		} else {
			mapSent(&ev, f, fax.ChannelFax)
		}
	default:
		return fax.Event{}, fmt.Errorf("gofax %s=%q is none of %s, %s, %s: %w",
			EventParam, kind, EventFaxSent, EventSMSSent, EventFaxReceived, fax.ReasonUnknownEvent)
	}
	if err := f.Err(); err != nil {
		return fax.Event{}, err
	}
	ev.ProviderFields = f.Rest()
	return fax.Checked(ev)
}

// mapReceived maps a fax-received webhook. Message is COMPLETE or
// INCOMPLETE (partially received) [doc]: both have a document to fetch,
// since the pages of a partial fax are worth having, unless NumberOfPages
// says there are none. SenderISDNID is taken as the caller's number (CPN)
// and SenderFaxID as the sending machine's station id [?]; the sender's
// number falls back to SenderFaxID when there is no SenderISDNID.
// TransmissionTime is taken as seconds [?].
func mapReceived(ev *fax.Event, f *form.Fields) {
	ev.Channel, ev.Direction, ev.Outcome = fax.ChannelFax, fax.Inbound, fax.OutcomeReceived
	ev.FaxID = f.Require("FaxID")
	ev.To = fax.NewIntlParty(f.Take("Number"), region)
	ev.CallerID = f.Take("SenderISDNID")
	ev.StationID = f.Take("SenderFaxID")
	ev.From = fax.NewIntlParty(firstNonEmpty(ev.CallerID, ev.StationID), region)
	ev.DurationSeconds = f.Int("TransmissionTime")
	ev.Pages = f.Int("NumberOfPages")
	ev.StatusMessage = f.Take("Message")
	ev.Success = strings.EqualFold(ev.StatusMessage, "COMPLETE")
	ev.Document = ev.Pages == nil || *ev.Pages > 0
}

// mapSent maps a fax-sent or SMS-sent webhook: Success True is delivered,
// False failed.
func mapSent(ev *fax.Event, f *form.Fields, ch fax.Channel) {
	ev.Channel, ev.Direction = ch, fax.Outbound
	ev.FaxID = f.Require("ID")
	ev.To = fax.NewIntlParty(f.Take("Recipient"), region)
	ev.StatusMessage = f.Take("Message")
	switch success := f.Require("Success"); {
	case strings.EqualFold(success, "true"):
		ev.Success, ev.Outcome = true, fax.OutcomeDelivered
	case strings.EqualFold(success, "false"):
		ev.Outcome = fax.OutcomeFailed
	case success != "":
		f.Fail(fmt.Errorf("gofax Success %q is neither True nor False: %w", success, fax.ReasonMalformed))
	}
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
