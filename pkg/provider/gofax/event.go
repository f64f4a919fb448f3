package gofax

// GoFax sends fax-sent and SMS-sent webhooks with the same fields [doc], so
// the URL configured at GoFax for each says which it is, in the query
// parameter EventParam:
//
//	https://faxpipe.example/callbacks/gofax/acme?event=fax_sent
//	https://faxpipe.example/callbacks/gofax/acme?event=sms_sent
//
// A callback without it is a received fax when it carries FaxID, else a sent
// fax. An EventParam value not listed here is rejected as unknown_event.
const (
	EventParam       = "event"
	EventFaxSent     = "fax_sent"
	EventSMSSent     = "sms_sent"
	EventFaxReceived = "fax_received"
)
