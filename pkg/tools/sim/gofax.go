package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
)

// field is one name=value pair of a form, kept in the order sent.
type field struct{ name, value string }

// encodeForm writes fields as application/x-www-form-urlencoded, in order.
func encodeForm(fields []field) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = url.QueryEscape(f.name) + "=" + url.QueryEscape(f.value)
	}
	return strings.Join(parts, "&")
}

// gofaxFax makes a GoFax fax of kind: a form POST [doc] to a URL carrying
// the event parameter faxpipe's README asks GoFax URLs to have.
func (g *generator) gofaxFax(a account, kind string, failed bool, r Fax) *simFax {
	var fields []field
	var event string
	switch kind {
	case KindFaxIn:
		event, fields = gofax.EventFaxReceived, g.gofaxReceived(a, failed, &r)
	case KindSMS:
		event, fields = gofax.EventSMSSent, g.gofaxSent(fax.ChannelSMS, failed, &r)
	default:
		event, fields = gofax.EventFaxSent, g.gofaxSent(fax.ChannelFax, failed, &r)
	}
	// A job's own CallbackURL cannot use Basic auth [doc]: sent faxes of an
	// account with both credentials use the URL secret half of the time.
	useSecret := a.gofax.URLSecret.Param != "" &&
		(a.gofax.BasicAuth.Username == "" || (kind == KindFaxOut && g.values.IntN(2) == 0))
	return &simFax{report: r, build: gofaxBuild(a, event, fields, useSecret, g.opts.GoFaxQueryFields), acked: okStatus,
		document: kind == KindFaxIn}
}

// gofaxReceived fills a received fax: COMPLETE, or INCOMPLETE when failed
// (a partial fax, with a document all the same). GoFax writes its own
// number internationally and the sender's as the sender's line gave it
// (national); a sender that withholds its caller id has no SenderISDNID.
func (g *generator) gofaxReceived(a account, failed bool, r *Fax) []field {
	r.Kind, r.Channel, r.Direction, r.Outcome = "fax", string(fax.ChannelFax), string(fax.Inbound), string(fax.OutcomeReceived)
	r.FaxID = g.uniqueID(r, func() string { return strconv.Itoa(1+g.values.IntN(9)) + digits(g.values, 10) })
	r.Pages = pagesOf(r)
	r.Success = !failed
	local, sender := a.lines[g.values.IntN(len(a.lines))], auPhone(g.values)
	station, isdn := sender.trunk(), sender.trunk()
	if g.values.IntN(10) == 0 {
		isdn = ""
	}
	r.From, r.To = sender.E164(), local.E164()
	message := "COMPLETE"
	if failed {
		message = "INCOMPLETE"
	}
	return []field{
		{"FaxID", r.FaxID}, {"Number", local.intl()}, {"Message", message}, {"SenderFaxID", station},
		{"SenderISDNID", isdn}, {"TransmissionTime", strconv.Itoa(r.Pages * (15 + g.values.IntN(20)))},
		{"NumberOfPages", strconv.Itoa(r.Pages)}, {"TransmissionSpeed", []string{"33600", "14400", "9600"}[g.values.IntN(3)]},
	}
}

// gofaxSent fills a sent fax or SMS; the two look alike [doc].
func (g *generator) gofaxSent(ch fax.Channel, failed bool, r *Fax) []field {
	r.Kind, r.Channel, r.Direction = string(ch), string(ch), string(fax.Outbound)
	r.FaxID = g.uniqueID(r, func() string { return strconv.Itoa(1+g.values.IntN(9)) + digits(g.values, 10) })
	r.Success, r.Outcome = !failed, outcomeOf(!failed)
	to, what := auPhone(g.values), "Fax"
	if ch == fax.ChannelSMS {
		to, what = auMobile(g.values), "Message"
	}
	r.To = to.E164()
	message := what + " successfully sent"
	if ch == fax.ChannelSMS {
		message = "Message successfully delivered"
	}
	if failed {
		message = what + " failed: " + []string{"busy", "no answer", "invalid number"}[g.values.IntN(3)]
	}
	fields := []field{{"Recipient", to.intl()}, {"ID", r.FaxID}, {"Success", boolWord(r.Success)}, {"Message", message}}
	if ch == fax.ChannelFax {
		fields = append(fields, field{"Subject", []string{"Email to Fax", "Referral", "Invoice"}[g.values.IntN(3)]})
	}
	return fields
}

// gofaxBuild returns the request maker of a GoFax callback: the URL has
// the event parameter and, with useSecret, the account's URL secret;
// otherwise the request carries Basic auth when the account has it.
func gofaxBuild(a account, event string, fields []field, useSecret, queryFields bool) func(time.Time) (request, error) {
	acc := a.gofax
	query := []field{{gofax.EventParam, event}}
	if useSecret {
		query = append(query, field{acc.URLSecret.Param, acc.URLSecret.Value.Reveal()})
	}
	if queryFields {
		query = append(query, fields...)
	}
	body := encodeForm(fields)
	return func(time.Time) (request, error) {
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if !useSecret && acc.BasicAuth.Username != "" {
			req := http.Request{Header: h}
			req.SetBasicAuth(acc.BasicAuth.Username, acc.BasicAuth.Password.Reveal())
		}
		return request{method: http.MethodPost, path: callbackPath(fax.GoFax, a.id), rawQuery: encodeForm(query), header: h, body: []byte(body)}, nil
	}
}

// boolWord is a boolean as GoFax writes it: True or False [doc].
func boolWord(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
