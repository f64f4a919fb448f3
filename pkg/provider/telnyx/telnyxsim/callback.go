package telnyxsim

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// webhookBody is a Telnyx fax webhook [doc]: members in the order of the
// documentation's examples.
type webhookBody struct {
	Data struct {
		EventType  string  `json:"event_type"`
		ID         string  `json:"id"`
		OccurredAt string  `json:"occurred_at"`
		Payload    payload `json:"payload"`
		RecordType string  `json:"record_type"`
	} `json:"data"`
	Meta struct {
		Attempt     int    `json:"attempt"`
		DeliveredTo string `json:"delivered_to"`
	} `json:"meta"`
}

// payload is data.payload of a fax webhook [doc].
type payload struct {
	CallDurationSecs int    `json:"call_duration_secs,omitempty"`
	ConnectionID     string `json:"connection_id"`
	Direction        string `json:"direction"`
	FailureReason    string `json:"failure_reason,omitempty"`
	FaxID            string `json:"fax_id"`
	From             string `json:"from"`
	MediaURL         string `json:"media_url,omitempty"`
	PageCount        int    `json:"page_count,omitempty"`
	PartialContent   *bool  `json:"partial_content,omitempty"`
	Status           string `json:"status"`
	To               string `json:"to"`
	UserID           string `json:"user_id"`
	CallerID         string `json:"caller_id,omitempty"`
}

// failureReasons are failure_reason values of failed faxes [lib].
var failureReasons = []string{"user_busy", "receiver_no_answer", "receiver_call_dropped", "fax_signaling_error"}

// mediaTTL is how long a media link is valid: 10 minutes [doc].
const mediaTTL = 10 * time.Minute

// Webhook makes the terminal webhook of a fax of kind: fax.received (with
// a media link valid mediaTTL from the fax's completion) or fax.failed
// for a received fax, fax.delivered or fax.failed for a sent one. The
// intermediate webhooks (fax.receiving.started…) are not sent: faxpipe
// records them without an event, and the report has one callback per
// fax. A received fax is also listed (Webhook.Listed).
func (simulation) Webhook(d *sim.Draw, a sim.Account, kind string, failed bool, r sim.Fax) sim.Webhook {
	acc := a.Config.(*telnyx.Account) //nolint:forcetypeassert // the simulator gives each provider its own accounts
	rng := d.Rand
	var b webhookBody
	b.Data.ID, b.Data.RecordType = randomUUID(rng), "event"
	b.Data.OccurredAt = r.CompletedAt.Format(time.RFC3339Nano)
	b.Meta.Attempt = 1
	b.Meta.DeliveredTo = strings.TrimRight(d.Options.Target, "/") + "/callbacks/" + string(telnyx.Name) + "/" + a.ID
	p := &b.Data.Payload
	p.ConnectionID, p.UserID = connectionID(acc), userID(a.ID)
	r.Kind, r.Channel = "fax", string(fax.ChannelFax)
	r.FaxID = d.UniqueID(&r, func() string { return randomUUID(rng) })
	p.FaxID = r.FaxID
	local, remote := a.Lines[rng.IntN(len(a.Lines))], sim.USPhone(rng)
	var listed any
	if kind == sim.KindFaxIn {
		r.Direction = string(fax.Inbound)
		r.From, r.To = remote.E164(), local.E164()
		p.Direction, p.From, p.To, p.CallerID = "inbound", remote.E164(), local.E164(), remote.E164()
		if failed {
			r.Outcome = string(fax.OutcomeFailed)
			b.Data.EventType, p.Status = telnyx.EventFailed, "failed"
			p.FailureReason = failureReasons[rng.IntN(len(failureReasons))]
		} else {
			r.Outcome, r.Success = string(fax.OutcomeReceived), true
			r.Pages = sim.DocumentPages(r)
			p.PageCount, p.CallDurationSecs = r.Pages, r.Pages*(15+rng.IntN(30))
			partial := false
			p.PartialContent = &partial
			b.Data.EventType, p.Status = telnyx.EventReceived, "received"
			p.MediaURL = MediaURL(acc, r.FaxID, r.CompletedAt.Add(mediaTTL))
			listed = listedOf(p, r.CompletedAt)
		}
	} else {
		r.Direction = string(fax.Outbound)
		r.From, r.To = local.E164(), remote.E164()
		r.Success, r.Outcome = !failed, sim.SentOutcome(!failed)
		r.Pages = 1 + rng.IntN(5)
		p.Direction, p.From, p.To, p.PageCount = "outbound", local.E164(), remote.E164(), r.Pages
		p.CallDurationSecs = r.Pages * (15 + rng.IntN(30))
		b.Data.EventType, p.Status = telnyx.EventDelivered, "delivered"
		if failed {
			b.Data.EventType, p.Status = telnyx.EventFailed, "failed"
			p.FailureReason = failureReasons[rng.IntN(len(failureReasons))]
		}
	}
	w := signed(acc, b, r)
	w.Document, w.Listed = listed != nil, listed
	return w
}

// signed is the webhook of body: the same bytes at every attempt, a
// duplicate included (meta.attempt stays 1 [?]: whether Telnyx counts a
// retry in the body is not documented, and faxpipe reads it only into
// provider_fields); signed afresh at each attempt, with its time as
// telnyx-timestamp [doc: "when the webhook was sent"]. An account without
// a known private key gives every attempt up unsent.
func signed(acc *telnyx.Account, body webhookBody, r sim.Fax) sim.Webhook {
	raw, _ := json.Marshal(body) // strings, ints and a bool: cannot fail
	key, kerr := signingKey(acc)
	request := func(now time.Time) (sim.Request, error) {
		if kerr != nil {
			return sim.Request{}, kerr
		}
		ts := strconv.FormatInt(now.Unix(), 10)
		h := http.Header{
			"Content-Type":         {"application/json"},
			telnyx.SignatureHeader: {telnyx.Sign(key, ts, raw)},
			telnyx.TimestampHeader: {ts},
		}
		return sim.Request{Method: http.MethodPost, Header: h, Body: raw}, nil
	}
	return sim.Webhook{Fax: r, Request: request, Acked: acked}
}

// acked is Telnyx's success: a 2xx [doc: "must return an HTTP 200";
// any 2xx assumed].
func acked(status int, _ string, _ []byte) bool { return status >= 200 && status < 300 }

// connectionID is the account's connection, or one made up for an
// account that configures none: digits, as Telnyx's are [doc].
func connectionID(acc *telnyx.Account) string {
	if acc.ConnectionID != "" {
		return acc.ConnectionID
	}
	return "1" + sim.Digits(sim.AccountRand(telnyx.Name, acc.ID, "connection"), 18)
}

// userID is the account's Telnyx user, the same in every run.
func userID(account string) string {
	return randomUUID(sim.AccountRand(telnyx.Name, account, "user"))
}

// randomUUID is a version 4 UUID drawn from rng, so that a seed gives
// the same ids.
func randomUUID(rng *rand.Rand) string {
	u, _ := uuid.NewRandomFromReader(rngReader{rng}) // rngReader never fails
	return u.String()
}

// rngReader reads bytes drawn from a generator.
type rngReader struct{ rng *rand.Rand }

func (r rngReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r.rng.Uint32()) //nolint:gosec // G115: its low byte is the byte drawn
	}
	return len(p), nil
}
