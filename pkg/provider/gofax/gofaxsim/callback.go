package gofaxsim

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
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

// Webhook makes a GoFax fax of kind: a form POST [doc] to a URL carrying
// the event parameter faxpipe's README asks GoFax URLs to have.
func (simulation) Webhook(d *sim.Draw, a sim.Account, kind string, failed bool, r sim.Fax) sim.Webhook {
	var fields []field
	var event string
	switch kind {
	case sim.KindFaxIn:
		event, fields = gofax.EventFaxReceived, received(d, a, failed, &r)
	case sim.KindSMS:
		event, fields = gofax.EventSMSSent, sent(d, fax.ChannelSMS, failed, &r)
	default:
		event, fields = gofax.EventFaxSent, sent(d, fax.ChannelFax, failed, &r)
	}
	acc := a.Config.(*gofax.Account)
	// A job's own CallbackURL cannot use Basic auth [doc]: sent faxes of an
	// account with both credentials use the URL secret half of the time.
	useSecret := acc.URLSecret.Param != "" &&
		(acc.BasicAuth.Username == "" || (kind == sim.KindFaxOut && d.Rand.IntN(2) == 0))
	return sim.Webhook{Fax: r, Request: request(acc, event, fields, useSecret, d.Options.GoFaxQueryFields), Document: kind == sim.KindFaxIn}
}

// received fills a received fax: COMPLETE, or INCOMPLETE when failed
// (a partial fax, with a document all the same). GoFax writes its own
// number internationally and the sender's as the sender's line gave it
// (national); a sender that withholds its caller id has no SenderISDNID.
func received(d *sim.Draw, a sim.Account, failed bool, r *sim.Fax) []field {
	rng := d.Rand
	r.Kind, r.Channel, r.Direction, r.Outcome = "fax", string(fax.ChannelFax), string(fax.Inbound), string(fax.OutcomeReceived)
	r.FaxID = d.UniqueID(r, func() string { return faxID(rng) })
	r.Pages = sim.DocumentPages(*r)
	r.Success = !failed
	local, sender := a.Lines[rng.IntN(len(a.Lines))], auPhone(rng)
	station, isdn := trunk(sender), trunk(sender)
	if rng.IntN(10) == 0 {
		isdn = ""
	}
	r.From, r.To = sender.E164(), local.E164()
	message := "COMPLETE"
	if failed {
		message = "INCOMPLETE"
	}
	return []field{
		{"FaxID", r.FaxID}, {"Number", local.Intl()}, {"Message", message}, {"SenderFaxID", station},
		{"SenderISDNID", isdn}, {"TransmissionTime", strconv.Itoa(r.Pages * (15 + rng.IntN(20)))},
		{"NumberOfPages", strconv.Itoa(r.Pages)}, {"TransmissionSpeed", []string{"33600", "14400", "9600"}[rng.IntN(3)]},
	}
}

// sent fills a sent fax or SMS; the two look alike [doc].
func sent(d *sim.Draw, ch fax.Channel, failed bool, r *sim.Fax) []field {
	rng := d.Rand
	r.Kind, r.Channel, r.Direction = string(ch), string(ch), string(fax.Outbound)
	r.FaxID = d.UniqueID(r, func() string { return faxID(rng) })
	r.Success, r.Outcome = !failed, sim.SentOutcome(!failed)
	to, what := auPhone(rng), "Fax"
	if ch == fax.ChannelSMS {
		to, what = auMobile(rng), "Message"
	}
	r.To = to.E164()
	message := what + " successfully sent"
	if ch == fax.ChannelSMS {
		message = "Message successfully delivered"
	}
	if failed {
		message = what + " failed: " + []string{"busy", "no answer", "invalid number"}[rng.IntN(3)]
	}
	fields := []field{{"Recipient", to.Intl()}, {"ID", r.FaxID}, {"Success", boolWord(r.Success)}, {"Message", message}}
	if ch == fax.ChannelFax {
		fields = append(fields, field{"Subject", []string{"Email to Fax", "Referral", "Invoice"}[rng.IntN(3)]})
	}
	return fields
}

// request returns the request maker of a GoFax callback of acc: the URL
// has the event parameter and, with useSecret, the account's URL secret;
// otherwise the request carries Basic auth when the account has it.
func request(acc *gofax.Account, event string, fields []field, useSecret, queryFields bool) func(time.Time) (sim.Request, error) {
	query := []field{{gofax.EventParam, event}}
	if useSecret {
		query = append(query, field{acc.URLSecret.Param, acc.URLSecret.Value.Reveal()})
	}
	if queryFields {
		query = append(query, fields...)
	}
	body := encodeForm(fields)
	return func(time.Time) (sim.Request, error) {
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
		if !useSecret && acc.BasicAuth.Username != "" {
			req := http.Request{Header: h}
			req.SetBasicAuth(acc.BasicAuth.Username, acc.BasicAuth.Password.Reveal())
		}
		return sim.Request{Method: http.MethodPost, RawQuery: encodeForm(query), Header: h, Body: []byte(body)}, nil
	}
}

// boolWord is a boolean as GoFax writes it: True or False [doc].
func boolWord(b bool) string {
	if b {
		return "True"
	}
	return "False"
}

// faxID draws a GoFax fax id: eleven digits, the first not 0.
func faxID(rng *rand.Rand) string { return strconv.Itoa(1+rng.IntN(9)) + sim.Digits(rng, 10) }
