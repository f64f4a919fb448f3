package efaxsim

import (
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// testAccount is an eFax account of the simulator, its three lines drawn
// from rng.
func testAccount(rng *rand.Rand, apiBase string) (sim.Account, efax.Account) {
	acc := efax.Account{
		AccountBase: config.AccountBase{ID: "acme", APIBaseURL: apiBase}, AppID: "d580162d-app",
		APIKey: config.Literal("efax-api-key/+="), HMACSecret: config.Literal("efax-hmac-secret"),
	}
	return sim.Account{ID: acc.ID, Config: &acc, Lines: []sim.Phone{sim.USPhone(rng), sim.USPhone(rng), sim.USPhone(rng)}}, acc
}

// anyID draws ids without checking that they are new.
func anyID(_ *sim.Fax, draw func() string) string { return draw() }

// itemBody is the JSON of l as the listing route writes it in a page.
func itemBody(t *testing.T, l listed) []byte {
	t.Helper()
	page, err := json.Marshal(listAnswer{FirstRecord: 1, LastRecord: 1, Faxes: []listed{l}})
	if err != nil {
		t.Fatal(err)
	}
	var read struct{ Faxes []json.RawMessage }
	if err := json.Unmarshal(page, &read); err != nil || len(read.Faxes) != 1 {
		t.Fatalf("page %s: %v", page, err)
	}
	return read.Faxes[0]
}

// TestListedFaxIsTheWebhooksEvent is the reconciler's premise, for the
// faxes this simulation makes: a received fax's webhook and its item of
// the listing, through faxpipe's adapter, give one event — the one the
// report expects — with the same fax id, pages, numbers and time, listed
// as a user or not. Sent faxes and pings are not listed.
func TestListedFaxIsTheWebhooksEvent(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1)) //nolint:gosec // G404: a reproducible test
	a, acc := testAccount(rng, "https://api.securedocex.com")
	d := providertest.Digester(t)
	n, err := efax.NewNormalizer([]efax.Account{acc}, d)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		r := sim.Fax{Seq: i, Provider: string(fax.EFax), Account: a.ID, CompletedAt: time.Now().UTC().Truncate(time.Second)}
		for _, kind := range []string{sim.KindFaxOut, sim.KindPing} {
			if w := webhook(rng, anyID, a, kind, i%2 == 0, r); w.Listed != nil {
				t.Fatalf("%s is listed: %+v", kind, w.Listed)
			}
		}
		w := webhook(rng, anyID, a, sim.KindFaxIn, false, r)
		req, err := w.Request(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		hook, err := n.Normalize(providertest.Raw(providertest.Request{
			Account: a.ID, Method: req.Method, Query: req.RawQuery, Headers: req.Header, Body: string(req.Body),
		}.Envelope(fax.EFax, efax.Callback, nil, d)))
		if err != nil {
			t.Fatalf("webhook %d: %v", i, err)
		}
		l, ok := w.Listed.(listed)
		if !ok {
			t.Fatalf("received fax %d: Listed %T, want a listed", i, w.Listed)
		}
		want := fax.Event{
			Provider: fax.EFax, Account: a.ID, Channel: fax.Channel(w.Fax.Channel), Direction: fax.Direction(w.Fax.Direction),
			FaxID: w.Fax.FaxID, Outcome: fax.Outcome(w.Fax.Outcome),
		}
		for _, user := range []string{"", l.UserID} {
			item := listing.Item{FaxID: l.FaxID, Method: http.MethodGet, Path: listPath, Query: "image_downloaded=false", Body: itemBody(t, l)}
			if user != "" {
				item.Header = map[string][]string{"User-Id": {user}}
			}
			env, err := listing.Envelope(d, fax.EFax, a.ID, item, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			got, err := n.Normalize(providertest.Raw(env))
			if err != nil {
				t.Fatalf("listed %d: %v\n%s", i, err, item.Body)
			}
			if got.ID() != hook.ID() || got.ID() != want.ID() || got.FaxID != w.Fax.FaxID {
				t.Fatalf("listed %d: event %s of fax %s, webhook's %s, report's %s of %s", i, got.ID(), got.FaxID, hook.ID(), want.ID(), w.Fax.FaxID)
			}
			if *got.Pages != w.Fax.Pages || got.From.Number != w.Fax.From || got.To.Number != w.Fax.To ||
				!reflect.DeepEqual(got.From, hook.From) || !reflect.DeepEqual(got.To, hook.To) ||
				!got.CompletedAt.Equal(*hook.CompletedAt) || *got.DurationSeconds != *hook.DurationSeconds || got.StationID != hook.StationID {
				t.Fatalf("listed %d: %+v\nwebhook's %+v", i, got, hook)
			}
			for _, name := range []string{"user_id", "resource_url"} {
				if g, h := string(got.ProviderFields[name]), string(hook.ProviderFields[name]); g != h {
					t.Fatalf("listed %d: provider_fields.%s %s, webhook's %s", i, name, g, h)
				}
			}
		}
	}
}
