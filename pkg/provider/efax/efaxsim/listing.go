package efaxsim

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// The listing of received faxes [doc]: its path, and its page of 100,
// the most one request gets.
const (
	listPath = "/faxes/received"
	pageSize = 100
)

// listAnswer is a page of the listing [?]: first_record and last_record
// count from 1 (both 0 for an empty page).
type listAnswer struct {
	FirstRecord int      `json:"first_record"`
	LastRecord  int      `json:"last_record"`
	Faxes       []listed `json:"faxes"`
}

// listQuery is what a listing request asks for.
type listQuery struct {
	from, to      time.Time
	downloaded    *bool // image_downloaded; nil: either
	user          string
	offset, limit int
}

// received serves GET /faxes/received with Authorization: Bearer (the
// app's current token): the account's received faxes completed from
// min_completed_timestamp (inclusive) to max_completed_timestamp
// (exclusive; which eFax does is [?]), both RFC 3339 and optional, not
// yet downloaded when image_downloaded=false (downloaded when true), of
// the user named by the header user-id — of every user of the app
// without one [?] — oldest first, paged by the headers pagination-offset
// (default 0) and pagination-limit (default and at most 100) [doc]. A
// query it cannot read is a 400.
func (h *handlers) received(w http.ResponseWriter, r *http.Request) {
	id, ok := h.authorized(w, r)
	if !ok {
		return
	}
	q, msg := parseListQuery(r)
	if msg != "" {
		h.api.Count(fax.EFax, func(t *sim.DocumentTotals) { t.BadRequests++ })
		sim.WriteJSON(w, http.StatusBadRequest, map[string]string{"message": msg})
		return
	}
	h.api.ServeListing(w, r, fax.EFax, func() {
		var all []listed
		for _, rec := range h.api.Received(fax.EFax, id, q.from, q.to) {
			l, ok := rec.Listed.(listed)
			if !ok || (q.user != "" && l.UserID != q.user) || (q.downloaded != nil && *q.downloaded != rec.Downloaded) {
				continue
			}
			l.ImageDownloaded = rec.Downloaded
			all = append(all, l)
		}
		lo := min(q.offset, len(all))
		page := all[lo : lo+min(q.limit, len(all)-lo)]
		ans := listAnswer{Faxes: append([]listed{}, page...)}
		if len(page) > 0 {
			ans.FirstRecord, ans.LastRecord = q.offset+1, q.offset+len(page)
		}
		sim.WriteJSON(w, http.StatusOK, ans)
	})
}

// parseListQuery reads a listing request; msg says what is wrong with it.
func parseListQuery(r *http.Request) (q listQuery, msg string) {
	v := r.URL.Query()
	q.to = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)
	for name, t := range map[string]*time.Time{"min_completed_timestamp": &q.from, "max_completed_timestamp": &q.to} {
		if s := v.Get(name); s != "" {
			parsed, err := time.Parse(time.RFC3339, s)
			if err != nil {
				return q, name + " is not an RFC 3339 time"
			}
			*t = parsed
		}
	}
	switch s := strings.ToLower(v.Get("image_downloaded")); s {
	case "":
	case "true", "false":
		d := s == "true"
		q.downloaded = &d
	default:
		return q, "image_downloaded is neither true nor false"
	}
	q.user = strings.TrimSpace(r.Header.Get("user-id"))
	var ok bool
	if q.offset, ok = header(r, "pagination-offset", 0); !ok {
		return q, "pagination-offset is not a count"
	}
	if q.limit, ok = header(r, "pagination-limit", pageSize); !ok || q.limit == 0 {
		return q, "pagination-limit is not a positive count"
	}
	q.limit = min(q.limit, pageSize)
	return q, ""
}

// header is the count in header name, def when absent; ok is false for
// anything but a non-negative integer.
func header(r *http.Request, name string, def int) (n int, ok bool) {
	s := strings.TrimSpace(r.Header.Get(name))
	if s == "" {
		return def, true
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}
