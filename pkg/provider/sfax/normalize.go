package sfax

import (
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/form"
)

// region is how Sfax numbers (1-5555551212) are read: Sfax is a US service.
const region = "US"

// side names the number fields of one direction; Sfax sends both sets on
// every callback, those of the other direction empty [doc].
type side struct{ to, from, cpn, csid string }

var (
	inboundSide  = side{to: "intofaxnumber", from: "infromfaxnumber", cpn: "infromcpn", csid: "infromcsid"}
	outboundSide = side{to: "outtofaxnumber", from: "outfromfaxnumber", cpn: "outfromcpn", csid: "outfromcsid"}
)

// normalize maps the fields of an Sfax callback (token and apikey already
// taken) to an event: faxtype 1 is a received fax, with a document to fetch
// when faxsuccess is 1; faxtype 0 is a sent fax, delivered or failed by
// faxsuccess. Fields not mapped, the other direction's included, are kept in
// provider_fields. The zero Event and a malformed error if a required field
// (faxtype, faxid, faxsuccess) is missing or unknown.
func normalize(raw fax.RawMessage, f *form.Fields) (fax.Event, error) {
	ev := fax.NewEvent(raw)
	ev.Channel = fax.ChannelFax
	ev.FaxID = f.Require("faxid")
	ev.Success = success(f)
	ev.Test = f.Take("istest") == "1"
	ev.Pages = f.Int("faxpages")
	ev.CompletedAt = f.Time("faxdateiso")
	switch faxtype := f.Require("faxtype"); faxtype {
	case "1":
		mapInbound(&ev, f)
	case "0":
		mapOutbound(&ev, f)
	case "":
	default:
		f.Fail(fmt.Errorf("sfax faxtype %q is neither 0 nor 1: %w", faxtype, fax.ReasonMalformed))
	}
	if err := f.Err(); err != nil {
		return fax.Event{}, err
	}
	ev.ProviderFields = f.Rest()
	return fax.Checked(ev)
}

func mapInbound(ev *fax.Event, f *form.Fields) {
	ev.Direction, ev.Outcome = fax.Inbound, fax.OutcomeReceived
	ev.Document = ev.Success
	mapSide(ev, f, inboundSide)
}

func mapOutbound(ev *fax.Event, f *form.Fields) {
	ev.Direction, ev.Outcome = fax.Outbound, fax.OutcomeFailed
	if ev.Success {
		ev.Outcome = fax.OutcomeDelivered
	}
	mapSide(ev, f, outboundSide)
	ev.ResultCode = f.Take("outresultcode")
	ev.ErrorCode = f.Take("outerrorcode")
	ev.StatusMessage = f.Take("outresultdescr")
	ev.Attempts = f.Int("outfaxattempts")
}

func mapSide(ev *fax.Event, f *form.Fields, s side) {
	ev.To = fax.NewParty(f.Take(s.to), region)
	ev.From = fax.NewParty(f.Take(s.from), region)
	ev.CallerID = f.Take(s.cpn)
	ev.StationID = f.Take(s.csid)
}

// success reads faxsuccess, 1 or 0, recording a malformed error for
// anything else.
func success(f *form.Fields) bool {
	v := f.Require("faxsuccess")
	if v != "0" && v != "1" && v != "" {
		f.Fail(fmt.Errorf("sfax faxsuccess %q is neither 0 nor 1: %w", v, fax.ReasonMalformed))
	}
	return v == "1"
}
