package sim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// sfaxParams are the parameters of every Sfax callback, in the order of
// Sfax's documentation; those of the other direction are sent empty [doc].
var sfaxParams = []string{"token", "apikey", "faxtype", "faxid", "faxsuccess", "faxpages", "faxdateiso",
	"faxpwatermarkid", "hasbarcodedata", "intofaxnumber", "infromfaxnumber", "infromcpn", "infromcsid",
	"outtofaxnumber", "outfromfaxnumber", "outfromcpn", "outfromcsid", "outsendfaxqueueid",
	"outsendfaxtrackingcode", "outresultcode", "outerrorcode", "outresultshortdescr", "outresultdescr",
	"outfaxattempts", "istest"}

// sfaxFailures are outbound results of failed faxes: result code, short
// and long description.
var sfaxFailures = [][3]string{
	{"6000", "Busy", "The receiving fax line was busy"},
	{"6001", "No Answer", "The receiving fax did not answer"},
	{"6011", "Fax Error", "Fax negotiation failed"},
}

// sfaxFax makes an Sfax fax of kind: a GET with every field in the query
// and a token made for each attempt.
func (g *generator) sfaxFax(a account, kind string, failed bool, r Fax) *simFax {
	r.Kind, r.Channel = "fax", string(fax.ChannelFax)
	r.FaxID = g.uniqueID(&r, func() string { return "2" + digits(g.values, 18) })
	r.Pages = pagesOf(&r)
	r.Success = !failed
	v := map[string]string{
		"faxid": r.FaxID, "faxsuccess": boolDigit(r.Success), "faxpages": strconv.Itoa(r.Pages),
		"faxdateiso": r.CompletedAt.Format(time.RFC3339), "faxpwatermarkid": "2" + digits(g.values, 18),
		"hasbarcodedata": "0", "istest": "0",
	}
	local, remote := a.lines[g.values.IntN(len(a.lines))], usPhone(g.values)
	csid := stationIDs[g.values.IntN(len(stationIDs))]
	if kind == KindFaxIn {
		r.Direction, r.Outcome = string(fax.Inbound), string(fax.OutcomeReceived)
		r.From, r.To = remote.E164(), local.E164()
		v["faxtype"] = "1"
		v["intofaxnumber"], v["infromfaxnumber"], v["infromcpn"], v["infromcsid"] = local.sfax(), remote.sfax(), remote.national, csid
	} else {
		r.Direction, r.Outcome = string(fax.Outbound), outcomeOf(r.Success)
		r.From, r.To = local.E164(), remote.E164()
		v["faxtype"] = "0"
		v["outtofaxnumber"], v["outfromfaxnumber"], v["outfromcpn"], v["outfromcsid"] = remote.sfax(), local.sfax(), local.national, "FAXPIPE"
		g.sfaxResult(v, r.Success)
	}
	return &simFax{report: r, build: sfaxBuild(a, v, g.values.Float64() < g.opts.SfaxRawTokenRate), acked: okStatus,
		document: kind == KindFaxIn && r.Success}
}

// sfaxResult fills the outbound result fields.
func (g *generator) sfaxResult(v map[string]string, success bool) {
	v["outsendfaxqueueid"] = strings.ToUpper(digits(g.values, 8) + "-" + digits(g.values, 4))
	v["outfaxattempts"] = strconv.Itoa(1 + g.values.IntN(3))
	v["outresultcode"], v["outerrorcode"], v["outresultshortdescr"], v["outresultdescr"] = "0", "0", "OK", "Fax sent successfully"
	if !success {
		f := sfaxFailures[g.values.IntN(len(sfaxFailures))]
		v["outresultcode"], v["outerrorcode"], v["outresultshortdescr"], v["outresultdescr"] = f[0], f[0], f[1], f[2]
	}
}

// sfaxBuild returns the request maker of an Sfax callback with the values
// v: each attempt carries a token generated at its own time (Sfax tokens
// live 15 minutes [doc], longer than its retries take only when unscaled).
// rawToken sends the token as is, not percent-encoded, as some senders do
// (PROVIDERS.md: '+' then arrives as a space).
func sfaxBuild(a account, v map[string]string, rawToken bool) func(time.Time) (request, error) {
	acc := a.sfax
	return func(now time.Time) (request, error) {
		tok, err := sfax.EncryptToken(sfax.Token{Username: acc.Username, APIKey: acc.APIKey.Reveal(), GenDT: now},
			[]byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
		if err != nil && acc.Verifies() {
			return request{}, err
		}
		var q strings.Builder
		for i, name := range sfaxParams {
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
		return request{method: http.MethodGet, path: callbackPath(fax.Sfax, a.id), rawQuery: q.String(), header: http.Header{}}, nil
	}
}

// callbackPath is faxpipe's callback path of an account.
func callbackPath(p fax.Provider, account string) string {
	return "/callbacks/" + string(p) + "/" + url.PathEscape(account)
}

func boolDigit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
