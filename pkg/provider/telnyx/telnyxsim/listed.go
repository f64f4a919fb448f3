package telnyxsim

import (
	"time"
)

// listed is a received fax as GET /v2/faxes shows it [lib]: the fax
// resource's members that a received fax has, and page_count [?: the
// client libraries' model lacks it; the webhooks have it, and faxpipe
// reads it when present]. media_url is made afresh
// at each listing, valid mediaTTL from then, as the API hands out current
// links [?].
type listed struct {
	ID           string `json:"id"`
	RecordType   string `json:"record_type"`
	ConnectionID string `json:"connection_id"`
	Direction    string `json:"direction"`
	From         string `json:"from"`
	To           string `json:"to"`
	Status       string `json:"status"`
	MediaURL     string `json:"media_url,omitempty"`
	PageCount    int    `json:"page_count,omitempty"`
	CreatedAt    string `json:"created_at"`
	UpdatedAt    string `json:"updated_at"`
}

// listedOf is the resource of the received fax p tells of, completed at
// completed: created when its call began, call_duration_secs earlier, and
// updated when it was received.
func listedOf(p *payload, completed time.Time) listed {
	created := completed.Add(-time.Duration(p.CallDurationSecs) * time.Second)
	return listed{
		ID: p.FaxID, RecordType: "fax", ConnectionID: p.ConnectionID, Direction: p.Direction,
		From: p.From, To: p.To, Status: p.Status, PageCount: p.PageCount,
		CreatedAt: created.UTC().Format(time.RFC3339Nano), UpdatedAt: completed.UTC().Format(time.RFC3339Nano),
	}
}

// createdAt is when l's call began.
func (l listed) createdAt() time.Time {
	t, _ := time.Parse(time.RFC3339Nano, l.CreatedAt) // made by listedOf: always reads
	return t
}
