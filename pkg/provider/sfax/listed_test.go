package sfax_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// listedQuery is the query of the listing request of the test items.
const listedQuery = "StartDateUTC=2024-05-10T17%3A00%3A00Z&EndDateUTC=2024-05-10T18%3A00%3A00Z&MaxItems=500"

// listedItem is testdata/listed.item.json: the fax of the inbound
// callback fixture as Sfax's listing shows it, FaxId a 19-digit number.
func listedItem(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "listed.item.json"))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// sealed wraps body, an item of acme's listing, in an API envelope as the
// reconciler does (listing.Envelope), sealed by d, with the fixed test id.
func sealed(t testing.TB, d *fax.Digester, body []byte) fax.RawMessage {
	t.Helper()
	env, err := listing.Envelope(d, fax.Sfax, "acme", listing.Item{
		FaxID: "2150102030405000000", Method: "GET", Path: sfax.ListPath, Query: listedQuery, Body: body,
	}, providertest.ReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	env.ID = providertest.EnvelopeID
	env.Seal = d.Seal(env)
	return providertest.Raw(env)
}

func listedRaw(t testing.TB, body []byte) fax.RawMessage {
	t.Helper()
	return sealed(t, providertest.Digester(t), body)
}

func TestListedGolden(t *testing.T) {
	ev, err := newAdapter(t, account(true)).Normalize(listedRaw(t, listedItem(t)))
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	subject, data := providertest.CheckEvent(t, ev)
	providertest.Golden(t, filepath.Join("testdata", "listed.golden.json"), providertest.GoldenEvent(t, subject, data))
}

// TestListedIsTheCallbacksEvent: the fixture's fax, listed, gives the
// event its callback gives — same id, so the dedupe makes one event —
// learned through the API.
func TestListedIsTheCallbacksEvent(t *testing.T) {
	a := newAdapter(t, account(true))
	hook, err := a.Normalize(raw(t, request(t, "inbound")))
	if err != nil {
		t.Fatal(err)
	}
	listed, err := a.Normalize(listedRaw(t, listedItem(t)))
	if err != nil {
		t.Fatal(err)
	}
	sameEvent(t, hook, listed)
	if hook.LearnedVia != fax.OriginWebhook || listed.LearnedVia != fax.OriginAPI {
		t.Errorf("learned_via = %s, %s; want webhook, api", hook.LearnedVia, listed.LearnedVia)
	}
}

// sameEvent fails t unless the callback's event and the listing's agree
// on everything both know of the fax.
func sameEvent(t testing.TB, hook, listed fax.Event) {
	t.Helper()
	if hook.ID() != listed.ID() || hook.Type() != listed.Type() {
		t.Errorf("listed event %s (%s), callback's %s (%s)", listed.ID(), listed.Type(), hook.ID(), hook.Type())
	}
	if hook.FaxID != listed.FaxID || hook.Success != listed.Success || hook.Document != listed.Document || hook.StationID != listed.StationID {
		t.Errorf("fax id, success, document, station = %q %v %v %q; callback's %q %v %v %q", listed.FaxID, listed.Success,
			listed.Document, listed.StationID, hook.FaxID, hook.Success, hook.Document, hook.StationID)
	}
	if intOf(hook.Pages) != intOf(listed.Pages) || !hook.CompletedAt.Equal(*listed.CompletedAt) {
		t.Errorf("pages, completed = %d %s; callback's %d %s", intOf(listed.Pages), listed.CompletedAt, intOf(hook.Pages), hook.CompletedAt)
	}
	if numberOf(hook.From) != numberOf(listed.From) || numberOf(hook.To) != numberOf(listed.To) || numberOf(listed.From) == "" {
		t.Errorf("from, to = %q %q; callback's %q %q", numberOf(listed.From), numberOf(listed.To), numberOf(hook.From), numberOf(hook.To))
	}
}

func intOf(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func numberOf(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Number
}

func TestListedConformance(t *testing.T) {
	providertest.Conformance(t, fax.Sfax, newAdapter(t, account(true)), listedRaw(t, listedItem(t)))
}

// TestListedSealIsChecked: an envelope that says it came from Sfax's API
// is believed only with the pipeline key's seal over all of it, whatever
// the account's verification setting.
func TestListedSealIsChecked(t *testing.T) {
	other, err := fax.NewDigester("other", []byte("another-pipeline-key-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	globex := account(true)
	globex.ID, globex.Username, globex.APIKey = "globex", "globex-master", config.Literal(otherKey)
	tests := []struct {
		name string
		raw  func(t testing.TB) fax.RawMessage
	}{
		{name: "no seal", raw: func(t testing.TB) fax.RawMessage {
			return providertest.WithEnvelope(listedRaw(t, listedItem(t)), func(e *fax.Envelope) { e.Seal = "" })
		}},
		{name: "a seal of the right form, not the MAC", raw: func(t testing.TB) fax.RawMessage {
			return providertest.WithEnvelope(listedRaw(t, listedItem(t)), func(e *fax.Envelope) {
				e.Seal = fax.DigestPrefix + strings.Repeat("0", 64)
			})
		}},
		{name: "sealed with another key", raw: func(t testing.TB) fax.RawMessage {
			return sealed(t, other, listedItem(t))
		}},
		{name: "body changed after sealing", raw: func(t testing.TB) fax.RawMessage {
			return providertest.WithEnvelope(listedRaw(t, listedItem(t)), func(e *fax.Envelope) {
				e.Body = bytes.Replace(e.Body, []byte(`"FaxSuccess":"1"`), []byte(`"FaxSuccess":"0"`), 1)
			})
		}},
		{name: "moved to another account", raw: func(t testing.TB) fax.RawMessage {
			return providertest.WithEnvelope(listedRaw(t, listedItem(t)), func(e *fax.Envelope) { e.Account = "globex" })
		}},
		{name: "another receipt time", raw: func(t testing.TB) fax.RawMessage {
			return providertest.WithEnvelope(listedRaw(t, listedItem(t)), func(e *fax.Envelope) { e.ReceivedAt = e.ReceivedAt.Add(1) })
		}},
	}
	for _, verify := range []bool{true, false} {
		acme := account(verify)
		a := newAdapter(t, acme, globex)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				providertest.Rejects(t, a, tt.raw(t), fax.ReasonSignatureInvalid)
			})
		}
	}
}

// TestWebhookEnvelopeWithASealIsMalformed: only API envelopes carry a
// seal; a callback's envelope with one, or one of an unknown origin, is
// refused before anything else is read.
func TestWebhookEnvelopeWithASealIsMalformed(t *testing.T) {
	d := providertest.Digester(t)
	a := newAdapter(t, account(true))
	for _, origin := range []fax.Origin{"", fax.OriginWebhook} {
		r := providertest.WithEnvelope(raw(t, request(t, "inbound")), func(e *fax.Envelope) { e.Origin = origin })
		r.Envelope.Seal = d.Seal(r.Envelope)
		providertest.Rejects(t, a, r, fax.ReasonMalformed)
	}
	// The schema of rejections has no room for an unknown origin, so
	// only the reason is checked.
	r := providertest.WithEnvelope(listedRaw(t, listedItem(t)), func(e *fax.Envelope) { e.Origin = "email" })
	r.Envelope.Seal = d.Seal(r.Envelope)
	if ev, err := a.Normalize(r); !errors.Is(err, fax.ReasonMalformed) || ev.FaxID != "" {
		t.Errorf("origin email: %+v, %v; want a malformed rejection", ev, err)
	}
}

func TestListedTolerates(t *testing.T) {
	a := newAdapter(t, account(true))
	tests := []struct {
		name        string
		body        string
		wantID      string
		wantSuccess bool
		wantPages   int
	}{
		{name: "FaxId as a string", body: `{"FaxId":"2150102030405000000","FaxSuccess":1,"FaxPages":3}`, wantID: "2150102030405000000", wantSuccess: true, wantPages: 3},
		{name: "FaxId past float64 precision", body: `{"FaxId":2150102030405000007,"FaxSuccess":true}`, wantID: "2150102030405000007", wantSuccess: true, wantPages: -1},
		{name: "FaxSuccess false as a boolean", body: `{"FaxId":21,"FaxSuccess":false,"Pages":"1"}`, wantID: "21", wantPages: 1},
		{name: "FaxSuccess 0 as a string", body: `{"FaxId":21,"FaxSuccess":"0"}`, wantID: "21", wantPages: -1},
		{name: "names in another letter case", body: `{"faxid":"21","FAXSUCCESS":"True","faxpages":"2"}`, wantID: "21", wantSuccess: true, wantPages: 2},
		{name: "spaces around the object", body: " \n{\"FaxId\":21,\"FaxSuccess\":1}\n", wantID: "21", wantSuccess: true, wantPages: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := a.Normalize(listedRaw(t, []byte(tt.body)))
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			if ev.FaxID != tt.wantID || ev.Success != tt.wantSuccess || ev.Document != tt.wantSuccess || intOf(ev.Pages) != tt.wantPages {
				t.Errorf("fax id, success, document, pages = %q %v %v %d; want %q %v %v %d",
					ev.FaxID, ev.Success, ev.Document, intOf(ev.Pages), tt.wantID, tt.wantSuccess, tt.wantSuccess, tt.wantPages)
			}
			if ev.Type() != "faxpipe.fax.inbound.received" {
				t.Errorf("type %s", ev.Type())
			}
		})
	}
}

func TestListedTimes(t *testing.T) {
	a := newAdapter(t, account(true))
	for _, body := range []string{
		`{"FaxId":21,"FaxSuccess":1,"FaxDateIso":"2024-05-10T17:59:04Z"}`,
		`{"FaxId":21,"FaxSuccess":1,"FaxDateIso":"2024-05-10T17:59:04.0000000Z"}`,
		`{"FaxId":21,"FaxSuccess":1,"FaxDateUtc":"5/10/2024 5:59:04 PM"}`,
		`{"FaxId":21,"FaxSuccess":1,"FaxDateUtc":"5/10/2024 5:59:04PM"}`,
		`{"FaxId":21,"FaxSuccess":1,"FaxDateIso":"yesterday","FaxDateUtc":"2024-05-10T17:59:04"}`,
		`{"FaxId":21,"FaxSuccess":1,"FaxDateIso":"2024-05-10T19:59:04+02:00"}`,
	} {
		ev, err := a.Normalize(listedRaw(t, []byte(body)))
		if err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if want := time.Date(2024, 5, 10, 17, 59, 4, 0, time.UTC); ev.CompletedAt == nil || !ev.CompletedAt.Equal(want) {
			t.Errorf("%s: completed_at = %v, want %s", body, ev.CompletedAt, want)
		}
	}
}

func TestListedRejects(t *testing.T) {
	a := newAdapter(t, account(true))
	for _, body := range []string{
		``, `null`, `[]`, `"2150102030405000000"`, `{`, `{"FaxId":21,"FaxSuccess":1}{}`, `{"FaxId":21,"FaxSuccess":1} x`,
		`{"FaxSuccess":1}`, `{"FaxId":null,"FaxSuccess":1}`, `{"FaxId":"","FaxSuccess":1}`, `{"FaxId":2.150102030405e18,"FaxSuccess":1}`,
		`{"FaxId":-21,"FaxSuccess":1}`, `{"FaxId":{"id":21},"FaxSuccess":1}`, `{"FaxId":" 21","FaxSuccess":1}`,
		`{"FaxId":21}`, `{"FaxId":21,"FaxSuccess":2}`, `{"FaxId":21,"FaxSuccess":"yes"}`, `{"FaxId":21,"FaxSuccess":null}`,
		`{"FaxId":21,"FaxSuccess":1,"FaxId":22}`, `{"FaxId":21,"faxid":22,"FaxSuccess":1}`,
	} {
		t.Run(body, func(t *testing.T) {
			providertest.Rejects(t, a, listedRaw(t, []byte(body)), fax.ReasonMalformed)
		})
	}
}

// TestListedKeepsTheRestVerbatim: every member not mapped reaches
// provider_fields as Sfax sent it (numbers' digits, objects, nulls).
func TestListedKeepsTheRestVerbatim(t *testing.T) {
	body := `{"FaxId":21,"FaxSuccess":1,"InboundFaxId":2240510175904000017,"Barcodes":{"A":[1, 2]},"Note":null,"Pages":"x"}`
	ev, err := newAdapter(t, account(true)).Normalize(listedRaw(t, []byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"InboundFaxId": "2240510175904000017", "Barcodes": `{"A":[1, 2]}`, "Note": "null", "Pages": `"x"`}
	if len(ev.ProviderFields) != len(want) {
		t.Errorf("provider_fields = %s", fields(ev.ProviderFields))
	}
	for k, v := range want {
		if got := string(ev.ProviderFields[k]); got != v {
			t.Errorf("provider_fields[%s] = %s, want %s", k, got, v)
		}
	}
}

func fields[V ~[]byte](m map[string]V) string {
	var b strings.Builder
	for k, v := range m {
		b.WriteString(k + "=" + string(v) + " ")
	}
	return b.String()
}
