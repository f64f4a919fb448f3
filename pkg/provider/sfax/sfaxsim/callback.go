package sfaxsim

import (
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// params are the parameters of every Sfax callback, in the order of
// Sfax's documentation; those of the other direction are sent empty [doc].
var params = []string{"token", "apikey", "faxtype", "faxid", "faxsuccess", "faxpages", "faxdateiso",
	"faxpwatermarkid", "hasbarcodedata", "intofaxnumber", "infromfaxnumber", "infromcpn", "infromcsid",
	"outtofaxnumber", "outfromfaxnumber", "outfromcpn", "outfromcsid", "outsendfaxqueueid",
	"outsendfaxtrackingcode", "outresultcode", "outerrorcode", "outresultshortdescr", "outresultdescr",
	"outfaxattempts", "istest"}

// failures are outbound results of failed faxes: result code, short
// and long description.
var failures = [][3]string{
	{"6000", "Busy", "The receiving fax line was busy"},
	{"6001", "No Answer", "The receiving fax did not answer"},
	{"6011", "Fax Error", "Fax negotiation failed"},
}

// Webhook makes an Sfax fax of kind: a GET with every field in the query
// and a token made for each attempt. A received fax is also listed
// (Webhook.Listed), as GET /api/ReceiveInboundFax shows it.
func (simulation) Webhook(d *sim.Draw, a sim.Account, kind string, failed bool, r sim.Fax) sim.Webhook {
	r.Kind, r.Channel = "fax", string(fax.ChannelFax)
	r.FaxID = d.UniqueID(&r, func() string { return "2" + sim.Digits(d.Rand, 18) })
	return webhook(d.Rand, a, kind, failed, r, d.Options.SfaxRawTokenRate)
}

// webhook is Webhook once r's fax id is drawn, drawing the rest from rng
// in the same order; rawTokenRate is Options.SfaxRawTokenRate.
func webhook(rng *rand.Rand, a sim.Account, kind string, failed bool, r sim.Fax, rawTokenRate float64) sim.Webhook {
	r.Pages = sim.DocumentPages(r)
	r.Success = !failed
	v := map[string]string{
		"faxid": r.FaxID, "faxsuccess": boolDigit(r.Success), "faxpages": strconv.Itoa(r.Pages),
		"faxdateiso": r.CompletedAt.Format(time.RFC3339), "faxpwatermarkid": "2" + sim.Digits(rng, 18),
		"hasbarcodedata": "0", "istest": "0",
	}
	local, remote := a.Lines[rng.IntN(len(a.Lines))], sim.USPhone(rng)
	csid := stationIDs[rng.IntN(len(stationIDs))]
	if kind == sim.KindFaxIn {
		r.Direction, r.Outcome = string(fax.Inbound), string(fax.OutcomeReceived)
		r.From, r.To = remote.E164(), local.E164()
		v["faxtype"] = "1"
		v["intofaxnumber"], v["infromfaxnumber"], v["infromcpn"], v["infromcsid"] = number(local), number(remote), remote.National, csid
	} else {
		r.Direction, r.Outcome = string(fax.Outbound), sim.SentOutcome(r.Success)
		r.From, r.To = local.E164(), remote.E164()
		v["faxtype"] = "0"
		v["outtofaxnumber"], v["outfromfaxnumber"], v["outfromcpn"], v["outfromcsid"] = number(remote), number(local), local.National, "FAXPIPE"
		result(rng, v, r.Success)
	}
	rawToken := rng.Float64() < rawTokenRate
	w := sim.Webhook{Fax: r, Request: request(a.Config.(*sfax.Account), v, rawToken), Document: kind == sim.KindFaxIn && r.Success}
	if kind == sim.KindFaxIn {
		w.Listed = listedFax(r, local, remote, csid)
	}
	return w
}

// result fills the outbound result fields.
func result(rng *rand.Rand, v map[string]string, success bool) {
	v["outsendfaxqueueid"] = strings.ToUpper(sim.Digits(rng, 8) + "-" + sim.Digits(rng, 4))
	v["outfaxattempts"] = strconv.Itoa(1 + rng.IntN(3))
	v["outresultcode"], v["outerrorcode"], v["outresultshortdescr"], v["outresultdescr"] = "0", "0", "OK", "Fax sent successfully"
	if !success {
		f := failures[rng.IntN(len(failures))]
		v["outresultcode"], v["outerrorcode"], v["outresultshortdescr"], v["outresultdescr"] = f[0], f[0], f[1], f[2]
	}
}

// request returns the request maker of an Sfax callback of acc with the
// values v: each attempt carries a token generated at its own time (Sfax tokens
// live 15 minutes [doc], longer than its retries take only when unscaled).
// rawToken sends the token as is, not percent-encoded, as some senders do
// (PROVIDERS.md: '+' then arrives as a space).
func request(acc *sfax.Account, v map[string]string, rawToken bool) func(time.Time) (sim.Request, error) {
	return func(now time.Time) (sim.Request, error) {
		tok, err := sfax.EncryptToken(sfax.Token{Username: acc.Username, APIKey: acc.APIKey.Reveal(), GenDT: now},
			[]byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
		if err != nil && acc.Verifies() {
			return sim.Request{}, err
		}
		var q strings.Builder
		for i, name := range params {
			if i > 0 {
				q.WriteByte('&')
			}
			val := url.QueryEscape(v[name])
			switch name {
			case "token":
				val = url.QueryEscape(tok)
				if rawToken {
					val = tok
				}
			case "apikey":
				val = url.QueryEscape(acc.APIKey.Reveal())
			}
			q.WriteString(name + "=" + val)
		}
		return sim.Request{Method: http.MethodGet, RawQuery: q.String(), Header: http.Header{}}, nil
	}
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
