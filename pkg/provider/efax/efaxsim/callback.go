package efaxsim

import (
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// notification is an eFax webhook body, members in the order of the
// provider's sample [doc]. The outbound members status and error_code are
// not documented [?]: faxpipe's adapter reads them, so they are sent.
type notification struct {
	AppID                string `json:"app_id"`
	UserID               string `json:"user_id,omitempty"`
	NotificationID       string `json:"notification_id"`
	Direction            string `json:"direction"`
	EventType            string `json:"event_type,omitempty"`
	NotificationConfigID string `json:"notification_config_id,omitempty"`
	CompletedTimestamp   string `json:"completed_timestamp,omitempty"`
	Duration             int    `json:"duration,omitempty"`
	Pages                int    `json:"pages,omitempty"`
	FaxID                string `json:"fax_id,omitempty"`
	SendingFaxNumber     string `json:"sending_fax_number,omitempty"`
	ReceivingFaxNumber   string `json:"receiving_fax_number,omitempty"`
	ResourceURL          string `json:"resource_url,omitempty"`
	OriginatingFaxTSID   string `json:"originating_fax_tsid,omitempty"`
	Status               string `json:"status,omitempty"`
	ErrorCode            string `json:"error_code,omitempty"`
}

// Webhook makes an eFax notification of kind: a JSON POST signed with
// X-HMAC-Signature [doc]. A received fax is also listed (Webhook.Listed,
// a listed): the listing shows what the notification says.
func (simulation) Webhook(d *sim.Draw, a sim.Account, kind string, failed bool, r sim.Fax) sim.Webhook {
	return webhook(d.Rand, d.UniqueID, a, kind, failed, r)
}

// webhook is Webhook drawing from rng, with unique drawing fax ids not
// issued before (Draw.UniqueID).
func webhook(rng *rand.Rand, unique func(*sim.Fax, func() string) string, a sim.Account, kind string, failed bool, r sim.Fax) sim.Webhook {
	acc := a.Config.(*efax.Account)
	n := notification{AppID: appID(acc), NotificationID: randomUUID(rng), Direction: "INBOUND"}
	r.Kind, r.Channel, r.Direction = "fax", string(fax.ChannelFax), string(fax.Inbound)
	if kind == sim.KindPing {
		r.Kind, r.Outcome, r.Success, r.Test = sim.KindPing, string(fax.OutcomePing), true, true
		r.FaxID = n.NotificationID
		n.EventType, n.NotificationConfigID = "PING", randomUUID(sim.AccountRand(fax.EFax, a.ID, "notify-config"))
		return signed(acc, n, r)
	}
	users := accountUsers(a.ID)
	n.UserID = users[rng.IntN(len(users))]
	r.FaxID = unique(&r, func() string { return randomUUID(rng) })
	r.Pages = sim.DocumentPages(r)
	n.FaxID, n.Pages, n.CompletedTimestamp = r.FaxID, r.Pages, r.CompletedAt.Format(time.RFC3339)
	n.Duration = r.Pages * (15 + rng.IntN(30))
	local, remote := a.Lines[rng.IntN(len(a.Lines))], sim.USPhone(rng)
	if kind != sim.KindFaxIn {
		sent(rng, &n, &r, failed, local, remote)
		return signed(acc, n, r)
	}
	// eFax notifies received faxes only once they are complete.
	r.Outcome, r.Success = string(fax.OutcomeReceived), true
	r.From, r.To = remote.E164(), local.E164()
	n.SendingFaxNumber, n.ReceivingFaxNumber, n.OriginatingFaxTSID = remote.Intl(), local.Intl(), remote.Intl()
	n.ResourceURL = docfetch.JoinURL(acc.APIBaseURL, "/faxes/"+url.PathEscape(r.FaxID)+"/image")
	w := signed(acc, n, r)
	w.Document, w.Listed = true, listedOf(n)
	return w
}

// sent fills an outbound notification from local to remote.
func sent(rng *rand.Rand, n *notification, r *sim.Fax, failed bool, local, remote sim.Phone) {
	r.Direction, r.Success, r.Outcome = string(fax.Outbound), !failed, sim.SentOutcome(!failed)
	r.From, r.To = local.E164(), remote.E164()
	n.Direction, n.SendingFaxNumber, n.ReceivingFaxNumber = "OUTBOUND", local.Intl(), remote.Intl()
	n.Status = "SUCCESS"
	if failed {
		n.Status, n.ErrorCode = "FAILED", []string{"BUSY", "NO_ANSWER", "FAX_ERROR"}[rng.IntN(3)]
	}
}

// signed is n signed once with acc's secret: a retry or duplicate sends
// the same bytes.
func signed(acc *efax.Account, n notification, r sim.Fax) sim.Webhook {
	body, _ := json.Marshal(n) // plain strings and ints: cannot fail
	sig := efax.Sign(body, acc.HMACSecret.Reveal())
	request := func(time.Time) (sim.Request, error) {
		h := http.Header{"Content-Type": {"application/json"}, efax.SignatureHeader: {sig}}
		return sim.Request{Method: http.MethodPost, Header: h, Body: body}, nil
	}
	return sim.Webhook{Fax: r, Request: request, Acked: acked}
}

// acked is eFax's success: a 200 with a JSON body [doc].
func acked(status int, _ string, body []byte) bool {
	return status == http.StatusOK && json.Valid(body)
}

// appID is the account's app id, or one made up for an account that
// configures none.
func appID(acc *efax.Account) string {
	if acc.AppID != "" {
		return acc.AppID
	}
	return randomUUID(sim.AccountRand(fax.EFax, acc.ID, "app"))
}

// accountUsers are the account's users, the same in every run.
func accountUsers(account string) []string {
	rng := sim.AccountRand(fax.EFax, account, "users")
	return []string{randomUUID(rng), randomUUID(rng), randomUUID(rng)}
}

// randomUUID is a version 4 UUID drawn from rng.
func randomUUID(rng *rand.Rand) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], rng.Uint64())
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u.String()
}
