package telnyx_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
)

// testKey signs the fixtures; otherKey is a stranger's.
var (
	testKey  = keyOf("faxpipe telnyx test key")
	otherKey = keyOf("not the account's key")
)

func keyOf(seed string) ed25519.PrivateKey {
	s := sha256.Sum256([]byte(seed))
	return ed25519.NewKeyFromSeed(s[:])
}

func publicKey(k ed25519.PrivateKey) string {
	return base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey))
}

// signedAt is when the fixtures were signed: 2 s before the test receipt.
var signedAt = providertest.ReceivedAt.Add(-2 * time.Second)

var fixtures = []string{"inbound", "outbound", "inbound_failed"}

func account(verify bool) telnyx.Account {
	a := telnyx.Account{
		AccountBase: config.AccountBase{ID: "acme", Verify: &verify},
		PublicKey:   publicKey(testKey),
		APIKey:      config.Literal("KEY-telnyx-test"),
	}
	a.ApplyDefaults()
	return a
}

func newAdapter(t testing.TB, accounts ...telnyx.Account) fax.Normalizer {
	t.Helper()
	a, err := telnyx.NewNormalizer(accounts, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// request loads a fixture, signed at signedAt with testKey.
func request(t testing.TB, name string) providertest.Request {
	t.Helper()
	return signed(providertest.LoadRequest(t, filepath.Join("testdata", name+".request.json")), testKey, signedAt)
}

// signed returns r with ${TIMESTAMP} and ${SIGNATURE} replaced by at and
// the signature of at|body under key.
func signed(r providertest.Request, key ed25519.PrivateKey, at time.Time) providertest.Request {
	ts := strconv.FormatInt(at.Unix(), 10)
	return r.Expand(map[string]string{"TIMESTAMP": ts, "SIGNATURE": telnyx.Sign(key, ts, []byte(r.Body))})
}

func raw(t testing.TB, r providertest.Request) fax.RawMessage {
	t.Helper()
	return providertest.Raw(r.Envelope(telnyx.Name, telnyx.Callback, nil, providertest.Digester(t)))
}

func TestGolden(t *testing.T) {
	a := newAdapter(t, account(true))
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			ev, err := a.Normalize(raw(t, request(t, name)))
			if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
			subject, data := providertest.CheckEvent(t, ev)
			providertest.Golden(t, filepath.Join("testdata", name+".golden.json"), providertest.GoldenEvent(t, subject, data))
		})
	}
}

func TestNormalizeMapsEventTypes(t *testing.T) {
	tests := []struct {
		fixture, wantType, wantFaxID string
		wantSuccess, wantDoc         bool
		wantPages                    int
	}{
		{"inbound", "faxpipe.fax.inbound.received", "f72eebbe-f9b6-4f0f-b652-03e742e110d5", true, true, 2},
		{"outbound", "faxpipe.fax.outbound.delivered", "f8338808-3dc6-4f2b-942a-5d1f39255784", true, false, 2},
		{"inbound_failed", "faxpipe.fax.inbound.failed", "181533f3-b0b8-4bcd-ab01-b33cd8698508", false, false, 0},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev, err := a.Normalize(raw(t, request(t, tt.fixture)))
			if err != nil {
				t.Fatal(err)
			}
			pages := 0
			if ev.Pages != nil {
				pages = *ev.Pages
			}
			if ev.Type() != tt.wantType || ev.FaxID != tt.wantFaxID || ev.Success != tt.wantSuccess || ev.Document != tt.wantDoc || pages != tt.wantPages {
				t.Errorf("type, fax_id, success, document, pages = %s %s %v %v %d; want %s %s %v %v %d",
					ev.Type(), ev.FaxID, ev.Success, ev.Document, pages, tt.wantType, tt.wantFaxID, tt.wantSuccess, tt.wantDoc, tt.wantPages)
			}
			if _, ok := ev.ProviderFields["event_id"]; !ok || ev.ProviderFields["meta"] == nil {
				t.Errorf("provider_fields %v lack the webhook's id (event_id) or meta", ev.ProviderFields)
			}
		})
	}
}

// TestPartialContent: a fax received in part is received, not a
// success, and its pages are fetched.
func TestPartialContent(t *testing.T) {
	r := providertest.LoadRequest(t, "testdata/inbound.request.json")
	r.Body = strings.Replace(r.Body, `"partial_content":false`, `"partial_content":true`, 1)
	ev, err := newAdapter(t, account(true)).Normalize(raw(t, signed(r, testKey, signedAt)))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Outcome != fax.OutcomeReceived || ev.Success || !ev.Document {
		t.Errorf("outcome, success, document = %s %v %v; want received, false, true", ev.Outcome, ev.Success, ev.Document)
	}
}

// TestIntermediateStatusesAreNotEmitted: every intermediate event type,
// genuinely signed, is recorded as unknown_event, never an event.
func TestIntermediateStatusesAreNotEmitted(t *testing.T) {
	a := newAdapter(t, account(true))
	base := providertest.LoadRequest(t, "testdata/intermediate.request.json")
	for _, kind := range []string{"fax.receiving.started", "fax.media.processing.started", "fax.queued",
		"fax.media.processed", "fax.sending.started", "fax.email.delivered", "fax.something.new"} {
		t.Run(kind, func(t *testing.T) {
			r := base
			r.Body = strings.Replace(r.Body, `"fax.media.processing.started"`, `"`+kind+`"`, 1)
			rm := raw(t, signed(r, testKey, signedAt))
			if err := a.(fax.Verifier).Verify(rm); err != nil {
				t.Fatalf("Verify: %v; a genuine intermediate webhook is authentic", err)
			}
			ev, err := a.Normalize(rm)
			providertest.CheckRejected(t, rm, ev, err, fax.ReasonUnknownEvent)
			if want := "intermediate status"; kind != "fax.something.new" && !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		})
	}
}

// TestConnectionID: an account that names its Fax Application refuses
// another application's webhooks, signed with the same account key.
func TestConnectionID(t *testing.T) {
	acc := account(true)
	acc.ConnectionID = "999"
	rm := raw(t, request(t, "inbound"))
	providertest.Rejects(t, newAdapter(t, acc), rm, fax.ReasonCredentialsMismatch)
	acc.ConnectionID = "1447842681660114324"
	if _, err := newAdapter(t, acc).Normalize(rm); err != nil {
		t.Errorf("its own application's webhook: %v", err)
	}
}

func TestConformance(t *testing.T) {
	providertest.Conformance(t, telnyx.Name, newAdapter(t, account(true)), raw(t, request(t, "inbound")))
}

// TestVerifierConformance: whatever a stranger sends without the
// signature, the ingress's check refuses it as not authentic.
func TestVerifierConformance(t *testing.T) {
	providertest.VerifierConformance(t, newAdapter(t, account(true)), raw(t, request(t, "inbound")),
		providertest.Strip(nil, []string{telnyx.SignatureHeader}))
}

// listedRaw is the listing fixture as the reconciler seals it.
func listedRaw(t testing.TB, body []byte) fax.RawMessage {
	t.Helper()
	env, err := listing.Envelope(providertest.Digester(t), telnyx.Name, "acme",
		listing.Item{Method: "GET", Path: "/v2/faxes", Query: "filter%5Bdirection%5D%5Beq%5D=inbound", Body: body}, providertest.ReceivedAt)
	if err != nil {
		t.Fatal(err)
	}
	env.ID = providertest.EnvelopeID
	env.Seal = providertest.Digester(t).Seal(env)
	return providertest.Raw(env)
}

func listedItem(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/listed.item.json")
	if err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSpace(b)
}

// TestListedGivesTheWebhooksEvent: a fax the reconciler lists gives the
// event id its fax.received webhook gives, with or without verification.
func TestListedGivesTheWebhooksEvent(t *testing.T) {
	hook, err := newAdapter(t, account(true)).Normalize(raw(t, request(t, "inbound")))
	if err != nil {
		t.Fatal(err)
	}
	for _, verify := range []bool{true, false} {
		ev, err := newAdapter(t, account(verify)).Normalize(listedRaw(t, listedItem(t)))
		if err != nil {
			t.Fatal(err)
		}
		if ev.ID() != hook.ID() || ev.LearnedVia != fax.OriginAPI || !ev.Document {
			t.Errorf("listed event id %s via %s document %v, want the webhook's %s via api, with a document", ev.ID(), ev.LearnedVia, ev.Document, hook.ID())
		}
		subject, data := providertest.CheckEvent(t, ev)
		if verify {
			providertest.Golden(t, "testdata/listed.golden.json", providertest.GoldenEvent(t, subject, data))
		}
	}
}

// TestListedRefusals: a listed fax not received, not inbound, with an
// untrusted media link or a broken seal gives no event.
func TestListedRefusals(t *testing.T) {
	a := newAdapter(t, account(true))
	item := string(listedItem(t))
	tests := []struct {
		name string
		raw  fax.RawMessage
		want fax.Reason
	}{
		{"status failed", listedRaw(t, []byte(strings.Replace(item, `"status":"received"`, `"status":"failed"`, 1))), fax.ReasonMalformed},
		{"outbound", listedRaw(t, []byte(strings.Replace(item, `"direction":"inbound"`, `"direction":"outbound"`, 1))), fax.ReasonMalformed},
		{"no id", listedRaw(t, []byte(strings.Replace(item, `"id":`, `"idx":`, 1))), fax.ReasonMalformed},
		{"media elsewhere", listedRaw(t, []byte(strings.Replace(item, "https://s3.amazonaws.com/", "https://evil.example/", 1))), fax.ReasonUntrustedResourceURL},
		{"not JSON", listedRaw(t, []byte("[1,2]")), fax.ReasonMalformed},
		{"seal broken", providertest.WithEnvelope(listedRaw(t, listedItem(t)), func(e *fax.Envelope) {
			e.Body = []byte(strings.Replace(item, "+16132484850", "+16132484851", 1))
		}), fax.ReasonSignatureInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := a.Normalize(tt.raw)
			if r, _ := fax.ReasonOf(err); tt.name == "seal broken" && err != nil && r != tt.want {
				// The seal's reason is the digester's: any rejection will do, no event.
				providertest.CheckRejected(t, tt.raw, ev, err, r)
				return
			}
			providertest.CheckRejected(t, tt.raw, ev, err, tt.want)
		})
	}
}

// TestNewNormalizerRefuses: no digester, an account twice, a verifying
// account without a public key that reads.
func TestNewNormalizerRefuses(t *testing.T) {
	bad := account(true)
	bad.PublicKey = "bm90IGEga2V5"
	for name, build := range map[string]func() error{
		"no digester": func() error { _, err := telnyx.NewNormalizer(nil, nil); return err },
		"twice": func() error {
			_, err := telnyx.NewNormalizer([]telnyx.Account{account(true), account(true)}, providertest.Digester(t))
			return err
		},
		"bad key": func() error {
			_, err := telnyx.NewNormalizer([]telnyx.Account{bad}, providertest.Digester(t))
			return err
		},
	} {
		if build() == nil {
			t.Errorf("%s: NewNormalizer succeeded", name)
		}
	}
	open := account(false)
	open.PublicKey = ""
	if _, err := telnyx.NewNormalizer([]telnyx.Account{open}, providertest.Digester(t)); err != nil {
		t.Errorf("an account with verify: false needs no key: %v", err)
	}
}
