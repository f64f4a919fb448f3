package sim

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
)

// efaxNotification is an eFax webhook body, members in the order of the
// provider's sample [doc]. The outbound members status and error_code are
// not documented [?]: faxpipe's adapter reads them, so they are sent.
type efaxNotification struct {
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

// efaxFax makes an eFax notification of kind: a JSON POST signed with
// X-HMAC-Signature [doc].
func (g *generator) efaxFax(a account, kind string, failed bool, r Fax) *simFax {
	n := efaxNotification{AppID: efaxAppID(a), NotificationID: randomUUID(g.values), Direction: "INBOUND"}
	r.Kind, r.Channel, r.Direction = "fax", string(fax.ChannelFax), string(fax.Inbound)
	if kind == KindPing {
		r.Kind, r.Outcome, r.Success, r.Test = KindPing, string(fax.OutcomePing), true, true
		r.FaxID = n.NotificationID
		n.EventType, n.NotificationConfigID = "PING", randomUUID(accountRand(fax.EFax, a.id, "notify-config"))
		return g.efaxSim(a, n, r)
	}
	users := efaxUsers(a)
	n.UserID = users[g.values.IntN(len(users))]
	r.FaxID = g.uniqueID(&r, func() string { return randomUUID(g.values) })
	r.Pages = pagesOf(&r)
	n.FaxID, n.Pages, n.CompletedTimestamp = r.FaxID, r.Pages, r.CompletedAt.Format(time.RFC3339)
	n.Duration = r.Pages * (15 + g.values.IntN(30))
	local, remote := a.lines[g.values.IntN(len(a.lines))], usPhone(g.values)
	if kind != KindFaxIn {
		g.efaxSent(&n, &r, failed, local, remote)
		return g.efaxSim(a, n, r)
	}
	// eFax notifies received faxes only once they are complete.
	r.Outcome, r.Success = string(fax.OutcomeReceived), true
	r.From, r.To = remote.E164(), local.E164()
	n.SendingFaxNumber, n.ReceivingFaxNumber, n.OriginatingFaxTSID = remote.intl(), local.intl(), remote.intl()
	n.ResourceURL = docfetch.JoinURL(a.efax.APIBaseURL, "/faxes/"+url.PathEscape(r.FaxID)+"/image")
	f := g.efaxSim(a, n, r)
	f.document = true
	return f
}

// efaxSent fills an outbound notification from local to remote.
func (g *generator) efaxSent(n *efaxNotification, r *Fax, failed bool, local, remote phone) {
	r.Direction, r.Success, r.Outcome = string(fax.Outbound), !failed, outcomeOf(!failed)
	r.From, r.To = local.E164(), remote.E164()
	n.Direction, n.SendingFaxNumber, n.ReceivingFaxNumber = "OUTBOUND", local.intl(), remote.intl()
	n.Status = "SUCCESS"
	if failed {
		n.Status, n.ErrorCode = "FAILED", []string{"BUSY", "NO_ANSWER", "FAX_ERROR"}[g.values.IntN(3)]
	}
}

// efaxSim signs n once: a retry or duplicate sends the same bytes.
func (g *generator) efaxSim(a account, n efaxNotification, r Fax) *simFax {
	body, _ := json.Marshal(n) // plain strings and ints: cannot fail
	sig := efax.Sign(body, a.efax.HMACSecret.Reveal())
	build := func(time.Time) (request, error) {
		h := http.Header{"Content-Type": {"application/json"}, efax.SignatureHeader: {sig}}
		return request{method: http.MethodPost, path: callbackPath(fax.EFax, a.id), header: h, body: body}, nil
	}
	return &simFax{report: r, build: build, acked: efaxAcked}
}

// efaxAcked is eFax's success: a 200 with a JSON body [doc].
func efaxAcked(status int, _ string, body []byte) bool {
	return status == http.StatusOK && json.Valid(body)
}

// efaxAppID is the account's app id, or one made up for an account that
// configures none.
func efaxAppID(a account) string {
	if a.efax.AppID != "" {
		return a.efax.AppID
	}
	return randomUUID(accountRand(fax.EFax, a.id, "app"))
}

// efaxUsers are the account's users, the same in every run.
func efaxUsers(a account) []string {
	rng := accountRand(fax.EFax, a.id, "users")
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
