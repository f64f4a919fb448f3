package sfaxsim

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// undatedRefusal is the simulator's answer to a listing without a date
// window. Sfax itself answers what is new since the account's watermark,
// and moves it for every user of the account [doc]; faxpipe must never
// ask that, so the simulator refuses and counts it.
const undatedRefusal = "StartDateUTC and EndDateUTC are required: this simulator refuses undated calls: they move the account's shared watermark"

// listAnswer is Sfax's answer to GET /api/ReceiveInboundFax, members in
// the order of its sample, HasMoreItems a string as there [doc].
type listAnswer struct {
	InboundFaxItems []inboundFax `json:"InboundFaxItems"`
	FaxCount        int          `json:"FaxCount"`
	LastWatermark   string       `json:"LastWatermark"`
	HasMoreItems    string       `json:"HasMoreItems"`
	IsSuccess       bool         `json:"isSuccess"`
	Message         string       `json:"message"`
}

// listInbound serves GET /api/ReceiveInboundFax?token=…&ApiKey=…
// &StartDateUTC=…&EndDateUTC=…[&MaxItems=…][&WatermarkId=…]: credentials
// checked as for documents (a fresh token of the account whose API key is
// ApiKey, else 401), then the faxes the account received completed in
// [StartDateUTC, EndDateUTC), oldest first, MaxItems a page (default and
// at most 500 [doc]) after WatermarkId, with HasMoreItems and
// LastWatermark. A call without dates, or with a parameter that does not
// read, is answered 200 {"isSuccess":false} as Sfax answers its errors
// [lib], and counted as a bad request.
func listInbound(api *sim.API) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		acc, ok := authorize(api, w, q)
		if !ok {
			return
		}
		refuse := func(msg string) {
			api.Count(fax.Sfax, func(t *sim.DocumentTotals) { t.BadRequests++ })
			sim.WriteJSON(w, http.StatusOK, apiResult{Message: msg})
		}
		if q.Get("StartDateUTC") == "" || q.Get("EndDateUTC") == "" {
			refuse(undatedRefusal)
			return
		}
		start, err1 := time.Parse(time.RFC3339, q.Get("StartDateUTC"))
		end, err2 := time.Parse(time.RFC3339, q.Get("EndDateUTC"))
		if err1 != nil || err2 != nil {
			refuse("StartDateUTC and EndDateUTC must be YYYY-MM-DDThh:mm:ssZ")
			return
		}
		size, watermark := sfax.MaxListItems, q.Get("WatermarkId")
		if s := q.Get("MaxItems"); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 1 {
				refuse("MaxItems must be a positive number")
				return
			}
			size = min(n, sfax.MaxListItems)
		}
		if watermark != "" && !digits(watermark) {
			refuse("WatermarkId must be a number")
			return
		}
		api.ServeListing(w, r, fax.Sfax, func() {
			sim.WriteJSON(w, http.StatusOK, page(listed(api.Received(fax.Sfax, acc.ID, start, end)), watermark, size))
		})
	}
}

// listed is what the listing shows of received faxes, in the order of
// their watermarks (the order they completed).
func listed(received []sim.Received) []inboundFax {
	var out []inboundFax
	for _, r := range received {
		if f, ok := r.Listed.(inboundFax); ok {
			out = append(out, f)
		}
	}
	slices.SortStableFunc(out, func(a, b inboundFax) int { return compareWatermarks(a.WatermarkID, b.WatermarkID) })
	return out
}

// page is the answer listing at most size of faxes (sorted by watermark)
// after watermark ("" for the first page). LastWatermark is the last one
// listed (watermark itself when the page is empty).
func page(faxes []inboundFax, watermark string, size int) listAnswer {
	if watermark != "" {
		i, _ := slices.BinarySearchFunc(faxes, watermark, func(f inboundFax, w string) int {
			if compareWatermarks(f.WatermarkID, w) <= 0 {
				return -1
			}
			return 1
		})
		faxes = faxes[i:]
	}
	n := min(len(faxes), size)
	a := listAnswer{InboundFaxItems: faxes[:n:n], FaxCount: n, LastWatermark: watermark,
		HasMoreItems: strconv.FormatBool(len(faxes) > n), IsSuccess: true, Message: "Success"}
	if n > 0 {
		a.LastWatermark = faxes[n-1].WatermarkID
	}
	if a.InboundFaxItems == nil {
		a.InboundFaxItems = []inboundFax{}
	}
	return a
}

// compareWatermarks orders watermark ids as the numbers they are.
func compareWatermarks(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
}

func digits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
