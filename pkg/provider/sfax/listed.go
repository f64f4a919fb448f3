package sfax

import (
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Members of an item of Sfax's listing of received faxes [doc] that
// normalizeListed maps.
const (
	listedFaxID   = "FaxId"
	listedSuccess = "FaxSuccess"
)

// normalizeListed maps one item of Sfax's listing of received faxes (the
// body of an API envelope, its seal already checked; see list.go) to the
// event the fax's callback gives (normalize, faxtype 1), so that a fax
// both listed and called back is one event: a received fax, whatever
// FaxSuccess, with a document to fetch when FaxSuccess is 1 (true, 1,
// "1"). FaxId is taken as the callback's faxid, not InboundFaxId [?]; its
// digits are read exactly, whether Sfax writes it as a string or as a
// 19-digit JSON number. Pages is FaxPages (else Pages), the completion
// time FaxDateIso (else FaxDateUtc), the parties ToFaxNumber and
// FromFaxNumber read as the callback's numbers are [?], the station id
// FromCSID. The listing has no caller id (the callback's infromcpn) and
// no test flag. Every other member is kept verbatim in provider_fields.
//
// A body that is not one JSON object, a member sent twice, a missing or
// unreadable FaxId or FaxSuccess: the zero Event and a malformed error.
func normalizeListed(raw fax.RawMessage) (fax.Event, error) {
	m, err := parseMembers(raw.Envelope.Body)
	if err != nil {
		return fax.Event{}, err
	}
	ev := fax.NewEvent(raw)
	ev.Channel, ev.Direction, ev.Outcome = fax.ChannelFax, fax.Inbound, fax.OutcomeReceived
	ev.FaxID = m.faxID(listedFaxID)
	ev.Success = m.success(listedSuccess)
	ev.Document = ev.Success
	ev.Pages = m.count("FaxPages", "Pages")
	ev.CompletedAt = m.time("FaxDateIso", "FaxDateUtc")
	ev.To = fax.NewParty(m.str("ToFaxNumber"), region)
	ev.From = fax.NewParty(m.str("FromFaxNumber"), region)
	ev.StationID = m.str("FromCSID")
	if err := m.Err(); err != nil {
		return fax.Event{}, err
	}
	ev.ProviderFields = m.rest()
	return fax.Checked(ev)
}
