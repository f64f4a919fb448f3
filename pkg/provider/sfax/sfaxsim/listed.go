package sfaxsim

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// inboundFax is a received fax as Sfax's listing (GET
// /api/ReceiveInboundFax) shows it: the members of Sfax's sample answer,
// in its order, mostly strings as there [doc]. FaxId is a JSON number of
// 19 digits, which a float64 cannot hold, and InboundFaxId another number
// than FaxId, so that a client reading either wrongly fails [?].
type inboundFax struct {
	FaxID         json.Number `json:"FaxId"`
	Pages         string      `json:"Pages"`
	ToFaxNumber   string      `json:"ToFaxNumber"`
	FromFaxNumber string      `json:"FromFaxNumber"`
	FromCSID      string      `json:"FromCSID"`
	FaxDateUtc    string      `json:"FaxDateUtc"`
	FaxSuccess    string      `json:"FaxSuccess"`
	Barcodes      barcodes    `json:"Barcodes"`
	InboundFaxID  json.Number `json:"InboundFaxId"`
	FaxPages      string      `json:"FaxPages"`
	FaxDateIso    string      `json:"FaxDateIso"`
	WatermarkID   string      `json:"WatermarkId"`
	CreateDateIso string      `json:"CreateDateIso"`
}

// barcodes is the listing's (empty) barcode report: barcode reading is off
// unless Sfax turns it on for the account [doc].
type barcodes struct {
	FirstBarcodePage       int   `json:"FirstBarcodePage"`
	TotalPagesWithBarcodes int   `json:"TotalPagesWithBarcodes"`
	PagesWithBarcodes      []int `json:"PagesWithBarcodes"`
	BarcodeItems           []any `json:"BarcodeItems"`
}

// listedFax is received fax r, sent from remote (station csid) to the
// account's line local, as the listing shows it: numbers as in Sfax's
// sample (the called line with its country code, the caller's national
// digits), completion time in both of its forms, and a watermark id of
// 19 digits that starts with the date (2140304… is 2014-03-04 in Sfax's
// ids), here followed by the time and the fax's sequence number [?], so
// that watermarks grow in the order faxes complete.
func listedFax(r sim.Fax, local, remote sim.Phone, csid string) inboundFax {
	at := r.CompletedAt.UTC()
	watermark := "2" + at.Format("060102150405") + fmt.Sprintf("%06d", r.Seq%1000000)
	pages := strconv.Itoa(r.Pages)
	return inboundFax{
		FaxID:         json.Number(r.FaxID),
		Pages:         pages,
		ToFaxNumber:   local.Intl(),
		FromFaxNumber: remote.National,
		FromCSID:      csid,
		FaxDateUtc:    at.Format("1/2/2006 3:04:05 PM"),
		FaxSuccess:    boolDigit(r.Success),
		Barcodes:      barcodes{PagesWithBarcodes: []int{}, BarcodeItems: []any{}},
		InboundFaxID:  json.Number(watermark),
		FaxPages:      pages,
		FaxDateIso:    at.Format(time.RFC3339),
		WatermarkID:   watermark,
		CreateDateIso: at.Add(time.Duration(r.Seq%1000) * time.Millisecond).Format("2006-01-02T15:04:05.0000000Z"),
	}
}
