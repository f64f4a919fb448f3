package sfaxsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// testAccount is the simulated Sfax account of these tests.
func testAccount() (*sfax.Account, sim.Account) {
	acc := &sfax.Account{
		AccountBase: config.AccountBase{ID: "clinic", APIBaseURL: "http://sfax.invalid"},
		Username:    "clinic-api", APIKey: config.Literal("5787A4EDBCDE46F9D6D2E067AC7097DC"),
		EncryptionKey: config.Literal("0123456789abcdef0123456789abcdef"), InitVector: config.Literal("fedcba9876543210"),
		TokenWindow: 15 * time.Minute,
	}
	rng := rand.New(rand.NewPCG(7, 7))
	return acc, sim.Account{ID: acc.ID, Config: acc, Lines: []sim.Phone{sim.USPhone(rng), sim.USPhone(rng), sim.USPhone(rng)}}
}

// TestListedFaxIsTheWebhooksEvent is the property the reconciler rests
// on: a received fax's callback, as the simulator sends it, and its item
// of the listing, as the simulator lists it, normalize to the same event
// — same id, so faxpipe's dedupe makes one event of both — with the same
// fax id, success, pages, time, numbers and station, and those the
// simulator's report expects.
func TestListedFaxIsTheWebhooksEvent(t *testing.T) {
	acc, a := testAccount()
	d := providertest.Digester(t)
	n, err := sfax.NewNormalizer([]sfax.Account{*acc}, d)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	at := time.Date(2024, 5, 10, 17, 59, 4, 0, time.UTC)
	for i := range 200 {
		failed := i%3 == 0
		r := sim.Fax{Seq: i + 1, Provider: string(fax.Sfax), Account: a.ID, CompletedAt: at.Add(time.Duration(i) * time.Second),
			Kind: "fax", Channel: string(fax.ChannelFax), FaxID: "2" + sim.Digits(rng, 18)}
		w := webhook(rng, a, sim.KindFaxIn, failed, r, 0.5)
		hook := normalizeWebhook(t, n, d, a.ID, w)
		body, err := json.Marshal(w.Listed)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(body, []byte(`"FaxId":`+r.FaxID+`,`)) {
			t.Fatalf("FaxId is not the 19-digit number %s: %s", r.FaxID, body)
		}
		env, err := listing.Envelope(d, fax.Sfax, a.ID, listing.Item{FaxID: r.FaxID, Method: http.MethodGet, Path: sfax.ListPath, Body: body}, at.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		listed, err := n.Normalize(providertest.Raw(env))
		if err != nil {
			t.Fatalf("listed %s: %v", body, err)
		}
		if diff := compare(hook, listed); diff != "" {
			t.Fatalf("fax %d (%s): the listing's event differs from the webhook's: %s", i, body, diff)
		}
		if listed.FaxID != w.Fax.FaxID || listed.Success != !failed || numberOf(listed.From) != w.Fax.From || numberOf(listed.To) != w.Fax.To ||
			listed.Pages == nil || *listed.Pages != w.Fax.Pages || !listed.CompletedAt.Equal(w.Fax.CompletedAt) {
			t.Fatalf("fax %d: listed event %+v, report expects %+v", i, listed, w.Fax)
		}
		if listed.LearnedVia != fax.OriginAPI || hook.LearnedVia != fax.OriginWebhook {
			t.Fatalf("learned_via %s and %s", hook.LearnedVia, listed.LearnedVia)
		}
	}
}

// normalizeWebhook captures w's callback as the ingress would and
// normalizes it.
func normalizeWebhook(t *testing.T, n fax.Normalizer, d *fax.Digester, account string, w sim.Webhook) fax.Event {
	t.Helper()
	req, err := w.Request(providertest.ReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	env := providertest.Request{Account: account, Method: req.Method, Query: req.RawQuery, Headers: req.Header}.
		Envelope(fax.Sfax, sfax.Callback, nil, d)
	ev, err := n.Normalize(providertest.Raw(env))
	if err != nil {
		t.Fatalf("webhook %s: %v", req.RawQuery, err)
	}
	return ev
}

// compare names what differs between the events of a webhook and of a
// listing that both know.
func compare(hook, listed fax.Event) string {
	var diffs []string
	check := func(what string, a, b any) {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			diffs = append(diffs, fmt.Sprintf("%s %v vs %v", what, a, b))
		}
	}
	check("id", hook.ID(), listed.ID())
	check("type", hook.Type(), listed.Type())
	check("fax id", hook.FaxID, listed.FaxID)
	check("success", hook.Success, listed.Success)
	check("document", hook.Document, listed.Document)
	check("pages", deref(hook.Pages), deref(listed.Pages))
	check("completed", deref(hook.CompletedAt), deref(listed.CompletedAt))
	check("from", numberOf(hook.From), numberOf(listed.From))
	check("to", numberOf(hook.To), numberOf(listed.To))
	check("station", hook.StationID, listed.StationID)
	return strings.Join(diffs, "; ")
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func numberOf(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Number
}

// TestOnlyReceivedFaxesAreListed: a sent fax has no listing record.
func TestOnlyReceivedFaxesAreListed(t *testing.T) {
	_, a := testAccount()
	rng := rand.New(rand.NewPCG(3, 4))
	r := sim.Fax{Seq: 1, Provider: string(fax.Sfax), Account: a.ID, CompletedAt: time.Now().UTC().Truncate(time.Second), FaxID: "2" + sim.Digits(rng, 18)}
	if w := webhook(rng, a, sim.KindFaxOut, false, r, 0); w.Listed != nil {
		t.Errorf("a sent fax is listed: %+v", w.Listed)
	}
	if w := webhook(rng, a, sim.KindFaxIn, true, r, 0); w.Listed == nil {
		t.Error("a failed received fax is not listed")
	}
}

// TestWatermarksStartWithTheDateAndGrow: a watermark id has 19 digits,
// starts with the completion date and grows with completion order.
func TestWatermarksStartWithTheDateAndGrow(t *testing.T) {
	_, a := testAccount()
	rng := rand.New(rand.NewPCG(5, 6))
	at := time.Date(2014, 3, 4, 18, 31, 12, 0, time.UTC)
	prev := ""
	for i := range 50 {
		r := sim.Fax{Seq: 1 + i, Account: a.ID, CompletedAt: at.Add(time.Duration(i/3) * time.Second), FaxID: "2" + sim.Digits(rng, 18)}
		f := webhook(rng, a, sim.KindFaxIn, false, r, 0).Listed.(inboundFax)
		if len(f.WatermarkID) != 19 || !strings.HasPrefix(f.WatermarkID, "2140304") || !digits(f.WatermarkID) {
			t.Fatalf("watermark %q of a fax of 2014-03-04", f.WatermarkID)
		}
		if prev != "" && compareWatermarks(prev, f.WatermarkID) >= 0 {
			t.Fatalf("watermark %s after %s", f.WatermarkID, prev)
		}
		prev = f.WatermarkID
	}
}

func TestPage(t *testing.T) {
	var faxes []inboundFax
	for i := range 5 {
		faxes = append(faxes, inboundFax{WatermarkID: fmt.Sprintf("2240510170000%06d", i+1)})
	}
	tests := []struct {
		watermark string
		size      int
		want      string // watermarks listed, then HasMoreItems and LastWatermark
	}{
		{"", 2, "1 2 true 2"},
		{"2240510170000000002", 2, "3 4 true 4"},
		{"2240510170000000004", 2, "5 false 5"},
		{"2240510170000000005", 2, "false 5"},
		{"", 500, "1 2 3 4 5 false 5"},
		{"2240510170000000002", 500, "3 4 5 false 5"},
		{"99", 500, "1 2 3 4 5 false 5"},                          // an older watermark (fewer digits)
		{"3000000000000000000", 500, "false 3000000000000000000"}, // past every fax
	}
	for _, tt := range tests {
		a := page(faxes, tt.watermark, tt.size)
		var got []string
		for _, f := range a.InboundFaxItems {
			got = append(got, strings.TrimLeft(f.WatermarkID[13:], "0"))
		}
		last := a.LastWatermark
		if len(last) == 19 && strings.HasPrefix(last, "2240510170000") {
			last = strings.TrimLeft(last[13:], "0")
		}
		got = append(got, a.HasMoreItems, last)
		if strings.Join(got, " ") != tt.want || a.FaxCount != len(a.InboundFaxItems) || !a.IsSuccess || a.InboundFaxItems == nil {
			t.Errorf("page(%q, %d) = %q (count %d), want %q", tt.watermark, tt.size, strings.Join(got, " "), a.FaxCount, tt.want)
		}
	}
}
