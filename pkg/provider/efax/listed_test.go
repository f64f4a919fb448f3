package efax_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// listedFixture is a fax as the lister found it: the account, the user id
// the listing was made as ("" for none) and the item's JSON, byte-exact.
type listedFixture struct {
	Account string `json:"account"`
	UserID  string `json:"user_id"`
	Body    string `json:"body"`
}

// loadListed reads testdata/listed.item.json: the fax of the inbound
// webhook fixture, as eFax's listing shows it.
func loadListed(t testing.TB) listedFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "listed.item.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f listedFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// item is what the lister yields for f.
func (f listedFixture) item() listing.Item {
	it := listing.Item{
		FaxID: "7e029808-1a2b-4c3d-8e9f-0a1b2c3d4e5f", Method: "GET", Path: "/faxes/received",
		Query: "image_downloaded=false&min_completed_timestamp=2024-05-10T17%3A00%3A00Z&max_completed_timestamp=2024-05-10T18%3A00%3A00Z",
		Body:  []byte(f.Body),
	}
	if f.UserID != "" {
		it.Header = map[string][]string{"User-Id": {f.UserID}}
	}
	return it
}

// listedRaw is the reconciler's envelope of f, sealed with the test
// pipeline key, with the fixed test id so that golden files are stable.
func listedRaw(t testing.TB, f listedFixture) fax.RawMessage {
	t.Helper()
	d := providertest.Digester(t)
	env, err := listing.Envelope(d, fax.EFax, f.Account, f.item(), providertest.ReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	env.ID = providertest.EnvelopeID
	env.Seal = d.Seal(env)
	return providertest.Raw(env)
}

func TestListedGolden(t *testing.T) {
	ev, err := newAdapter(t, account(true)).Normalize(listedRaw(t, loadListed(t)))
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	subject, data := providertest.CheckEvent(t, ev)
	providertest.Golden(t, filepath.Join("testdata", "listed.golden.json"), providertest.GoldenEvent(t, subject, data))
}

// TestListedIsTheWebhooksEvent is the reconciler's premise: the listed fax
// and its webhook give the same event — same id, so that dedupe keeps
// one — differing only in how faxpipe learned of it and in what the two
// carry beside the fax (app_id, notification_id; size, image_downloaded).
func TestListedIsTheWebhooksEvent(t *testing.T) {
	for _, verify := range []bool{true, false} {
		a := newAdapter(t, account(verify))
		hook, err := a.Normalize(raw(t, request(t, "inbound")))
		if err != nil {
			t.Fatal(err)
		}
		listed, err := a.Normalize(listedRaw(t, loadListed(t)))
		if err != nil {
			t.Fatal(err)
		}
		if hook.ID() != listed.ID() || hook.Subject() != listed.Subject() {
			t.Errorf("listed event %s on %s, webhook's %s on %s", listed.ID(), listed.Subject(), hook.ID(), hook.Subject())
		}
		if hook.LearnedVia != fax.OriginWebhook || listed.LearnedVia != fax.OriginAPI {
			t.Errorf("learned via %s and %s, want webhook and api", hook.LearnedVia, listed.LearnedVia)
		}
		same := func(ev fax.Event) fax.Event {
			ev.LearnedVia, ev.ProviderFields = "", nil
			return ev
		}
		if !reflect.DeepEqual(same(hook), same(listed)) {
			t.Errorf("listed event\n%+v\nwebhook's\n%+v", same(listed), same(hook))
		}
		for _, name := range []string{"user_id", "resource_url"} {
			if h, l := string(hook.ProviderFields[name]), string(listed.ProviderFields[name]); h != l || h == "" {
				t.Errorf("provider_fields.%s: listed %s, webhook's %s", name, l, h)
			}
		}
	}
}

// TestListedUserID: the user-id the listing was made as is the user_id
// the downloader sends, even over the item's own; without one, the item's
// own (verbatim) or none.
func TestListedUserID(t *testing.T) {
	a := newAdapter(t, account(true))
	tests := []struct {
		name, user, member, want string
	}{
		{"header", "u1", "", `"u1"`},
		{"header over the item's", "u1", `"user_id":"u2",`, `"u1"`},
		{"item's only", "", `"user_id":"u2",`, `"u2"`},
		{"neither", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadListed(t)
			f.UserID, f.Body = tt.user, "{"+tt.member+f.Body[1:]
			ev, err := a.Normalize(listedRaw(t, f))
			if err != nil {
				t.Fatal(err)
			}
			if got := string(ev.ProviderFields["user_id"]); got != tt.want {
				t.Errorf("provider_fields.user_id = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestListedSealIsTheSignature: an API envelope is believed only with the
// pipeline key's seal over all of it, whatever the account's
// verification setting.
func TestListedSealIsTheSignature(t *testing.T) {
	other, err := fax.NewDigester("other", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	edits := map[string]func(*fax.Envelope){
		"no seal":            func(e *fax.Envelope) { e.Seal = "" },
		"another key's seal": func(e *fax.Envelope) { e.Seal = other.Seal(e) },
		"body altered":       func(e *fax.Envelope) { e.Body = []byte(strings.Replace(string(e.Body), `"pages":2`, `"pages":3`, 1)) },
		"user-id altered":    func(e *fax.Envelope) { e.Headers = map[string][]string{"User-Id": {"someone-else"}} },
		"user-id added": func(e *fax.Envelope) {
			e.Headers = map[string][]string{"User-Id": {"2f8e4d6a-user"}, "X-Extra": {"1"}}
		},
		"received later": func(e *fax.Envelope) { e.ReceivedAt = e.ReceivedAt.Add(1) },
		"another account's": func(e *fax.Envelope) {
			e.Account = "other"
		},
	}
	open := account(false)
	second := account(true)
	second.ID = "other"
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			for _, a := range []fax.Normalizer{newAdapter(t, account(true), second), newAdapter(t, open, second)} {
				providertest.Rejects(t, a, providertest.WithEnvelope(listedRaw(t, loadListed(t)), edit), fax.ReasonSignatureInvalid)
			}
		})
	}
	// A seal that is not one at all: refused alike. (Its rejection record
	// is not checked against rejected.v1.json, whose envelope schema
	// wants a well-formed seal.)
	bad := providertest.WithEnvelope(listedRaw(t, loadListed(t)), func(e *fax.Envelope) { e.Seal = "hmac-sha256:zz" })
	if ev, err := newAdapter(t, open).Normalize(bad); !errors.Is(err, fax.ReasonSignatureInvalid) || ev.FaxID != "" {
		t.Errorf("seal not hex: %+v, %v; want signature_invalid", ev, err)
	}
}

// TestListedRejects: what the seal cannot vouch for is checked as in a
// webhook.
func TestListedRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(*listedFixture)
		want fax.Reason
	}{
		{"resource_url on another host", func(f *listedFixture) {
			f.Body = strings.Replace(f.Body, "https://api.securedocex.com/", "https://evil.example/", 1)
		}, fax.ReasonUntrustedResourceURL},
		{"resource_url not a string", func(f *listedFixture) {
			f.Body = strings.Replace(f.Body, `"resource_url":"`, `"resource_url":["`, 1)
			f.Body = strings.Replace(f.Body, `image"}`, `image"]}`, 1)
		}, fax.ReasonUntrustedResourceURL},
		{"no fax_id", func(f *listedFixture) {
			f.Body = strings.Replace(f.Body, `"fax_id":`, `"fax":`, 1)
		}, fax.ReasonMalformed},
		{"not an object", func(f *listedFixture) { f.Body = `[` + f.Body + `]` }, fax.ReasonMalformed},
		{"two objects", func(f *listedFixture) { f.Body += f.Body }, fax.ReasonMalformed},
		{"empty", func(f *listedFixture) { f.Body = "" }, fax.ReasonMalformed},
		{"unknown account", func(f *listedFixture) { f.Account = "nope" }, fax.ReasonUnknownAccount},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := loadListed(t)
			tt.edit(&f)
			providertest.Rejects(t, a, listedRaw(t, f), tt.want)
		})
	}
	t.Run("two user ids", func(t *testing.T) {
		d := providertest.Digester(t)
		r := providertest.WithEnvelope(listedRaw(t, loadListed(t)), func(e *fax.Envelope) {
			e.Headers = map[string][]string{"User-Id": {"u1", "u2"}}
			e.Seal = d.Seal(e)
		})
		providertest.Rejects(t, a, r, fax.ReasonMalformed)
	})
}

func TestListedConformance(t *testing.T) {
	providertest.Conformance(t, fax.EFax, newAdapter(t, account(true)), listedRaw(t, loadListed(t)))
}
