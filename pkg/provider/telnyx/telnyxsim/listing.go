package telnyxsim

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// Paging of GET /v2/faxes: page[size] defaults to 20 and is at most 250
// [?].
const (
	defaultPageSize = 20
	maxPageSize     = 250
)

// listAnswer is a page of the listing [lib].
type listAnswer struct {
	Data []listed `json:"data"`
	Meta listMeta `json:"meta"`
}

type listMeta struct {
	PageNumber   int `json:"page_number"`
	PageSize     int `json:"page_size"`
	TotalPages   int `json:"total_pages"`
	TotalResults int `json:"total_results"`
}

// listQuery is what a listing request asks for: faxes created in [from,
// to), of direction ("" for either), page number of size.
type listQuery struct {
	from, to     time.Time
	direction    string
	number, size int
}

// list serves GET /v2/faxes with a Bearer API key: the account's received
// faxes (the simulator keeps no sent ones: filter[direction][eq]=outbound
// lists none) created within filter[created_at][gte|gt] and
// filter[created_at][lt|lte], RFC 3339, oldest first, page[number] (from
// 1) of page[size] [lib]. A query it cannot read is a 400.
func (h *handlers) list(w http.ResponseWriter, r *http.Request) {
	acc, ok := h.authorized(w, r)
	if !ok {
		return
	}
	q, msg := parseListQuery(r.URL.Query())
	if msg != "" {
		h.badRequest(w, msg)
		return
	}
	h.api.ServeListing(w, r, telnyx.Name, func() {
		var all []listed
		if q.direction == "" || q.direction == "inbound" {
			for _, rec := range h.api.Received(telnyx.Name, acc.ID, q.from, q.to.Add(maxCallTime)) {
				if l, ok := rec.Listed.(listed); ok && !l.createdAt().Before(q.from) && l.createdAt().Before(q.to) {
					all = append(all, l)
				}
			}
		}
		ans := listAnswer{Data: []listed{}, Meta: listMeta{PageNumber: q.number, PageSize: q.size, TotalResults: len(all)}}
		ans.Meta.TotalPages = (len(all) + q.size - 1) / q.size
		if lo := (q.number - 1) * q.size; lo < len(all) {
			for _, l := range all[lo:min(lo+q.size, len(all))] {
				l.MediaURL = MediaURL(acc, l.ID, time.Now().Add(mediaTTL))
				ans.Data = append(ans.Data, l)
			}
		}
		sim.WriteJSON(w, http.StatusOK, ans)
	})
}

// parseListQuery reads a listing query; msg says what is wrong with it.
func parseListQuery(v url.Values) (q listQuery, msg string) {
	q.to, q.number, q.size = farFuture, 1, defaultPageSize
	bounds := []struct {
		name  string
		t     *time.Time
		delta time.Duration // gt and lte move the bound to the inclusive-exclusive form
	}{
		{"filter[created_at][gte]", &q.from, 0}, {"filter[created_at][gt]", &q.from, time.Nanosecond},
		{"filter[created_at][lt]", &q.to, 0}, {"filter[created_at][lte]", &q.to, time.Nanosecond},
	}
	for _, b := range bounds {
		if s := v.Get(b.name); s != "" {
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return q, b.name + " is not an ISO 8601 date time"
			}
			*b.t = t.Add(b.delta)
		}
	}
	switch d := v.Get("filter[direction][eq]"); d {
	case "", "inbound", "outbound":
		q.direction = d
	default:
		return q, "filter[direction][eq] is neither inbound nor outbound"
	}
	var ok bool
	if q.number, ok = positive(v.Get("page[number]"), 1); !ok {
		return q, "page[number] is not a positive number"
	}
	if q.size, ok = positive(v.Get("page[size]"), defaultPageSize); !ok || q.size > maxPageSize {
		return q, "page[size] is not a number from 1 to 250"
	}
	return q, ""
}

// positive reads s as a positive number, def when empty.
func positive(s string, def int) (int, bool) {
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}
