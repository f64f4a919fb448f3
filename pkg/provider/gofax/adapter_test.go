package gofax_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

const (
	basicUser   = "gofax"
	basicPass   = "s3cret-pass"
	secretParam = "secret"
	secretValue = "url-secret-value-123"
)

var fixtures = []string{"fax_sent", "fax_sent_failed", "sms_sent", "received_complete", "received_incomplete", "received_in_query"}

// account is the test account, accepting Basic auth and the URL secret.
func account(verify bool) gofax.Account {
	return gofax.Account{
		AccountBase: config.AccountBase{ID: "acme", Verify: &verify, APIBaseURL: "https://restful-api.gofax.com.au"},
		BasicAuth:   gofax.BasicAuth{Username: basicUser, Password: config.Literal(basicPass)},
		URLSecret:   gofax.URLSecret{Param: secretParam, Value: config.Literal(secretValue)},
	}
}

func newAdapter(t testing.TB, accounts ...gofax.Account) fax.Normalizer {
	t.Helper()
	a, err := gofax.NewNormalizer(accounts, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func request(t testing.TB, name string) providertest.Request {
	t.Helper()
	return providertest.LoadRequest(t, filepath.Join("testdata", name+".request.json"))
}

// raw captures r as the ingress does for the test account, whose URL secret
// parameter is redacted beside the provider's.
func raw(t testing.TB, r providertest.Request) fax.RawMessage {
	t.Helper()
	return providertest.Raw(r.Envelope(fax.GoFax, gofax.Callback, []string{secretParam}, providertest.Digester(t)))
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

func TestNormalizeTellsEventsApart(t *testing.T) {
	tests := []struct {
		name                 string
		fixture              string
		query                string // replaces the fixture's query when set
		wantType             string
		wantSuccess, wantDoc bool
		wantTo               string
	}{
		{name: "fax sent", fixture: "fax_sent", wantType: "faxpipe.fax.outbound.delivered", wantSuccess: true, wantTo: "+61712344321"},
		{name: "fax sent, failed", fixture: "fax_sent_failed", wantType: "faxpipe.fax.outbound.failed", wantTo: "+61712344322"},
		{name: "sms sent", fixture: "sms_sent", wantType: "faxpipe.sms.outbound.delivered", wantSuccess: true, wantTo: "+61412121212"},
		{name: "sent without event parameter is a fax", fixture: "fax_sent", query: "secret=" + secretValue, wantType: "faxpipe.fax.outbound.delivered", wantSuccess: true, wantTo: "+61712344321"},
		{name: "event parameter in any case", fixture: "sms_sent", query: "event=SMS_SENT", wantType: "faxpipe.sms.outbound.delivered", wantSuccess: true, wantTo: "+61412121212"},
		{name: "received complete", fixture: "received_complete", wantType: "faxpipe.fax.inbound.received", wantSuccess: true, wantDoc: true, wantTo: "+61712344321"},
		{name: "received incomplete keeps its document", fixture: "received_incomplete", wantType: "faxpipe.fax.inbound.received", wantDoc: true, wantTo: "+61712344321"},
		{name: "received with fields in the query", fixture: "received_in_query", wantType: "faxpipe.fax.inbound.received", wantSuccess: true, wantDoc: true, wantTo: "+61712344321"},
		{name: "received named by the event parameter", fixture: "received_complete", query: "event=fax_received&secret=" + secretValue, wantType: "faxpipe.fax.inbound.received", wantSuccess: true, wantDoc: true, wantTo: "+61712344321"},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, tt.fixture)
			if tt.query != "" {
				r.Query = tt.query
			}
			ev, err := a.Normalize(raw(t, r))
			if err != nil {
				t.Fatal(err)
			}
			if got := ev.Type(); got != tt.wantType {
				t.Errorf("type = %s, want %s", got, tt.wantType)
			}
			if ev.Success != tt.wantSuccess || ev.Document != tt.wantDoc {
				t.Errorf("success, document = %v, %v; want %v, %v", ev.Success, ev.Document, tt.wantSuccess, tt.wantDoc)
			}
			if ev.To == nil || ev.To.Number != tt.wantTo {
				t.Errorf("to = %+v, want %s", ev.To, tt.wantTo)
			}
			for _, hidden := range []string{secretParam, gofax.EventParam} {
				if _, ok := ev.ProviderFields[hidden]; ok {
					t.Errorf("provider_fields holds %q", hidden)
				}
			}
		})
	}
}

func TestReceivedWithoutPagesHasNoDocument(t *testing.T) {
	r := request(t, "received_incomplete")
	r.Body = strings.Replace(r.Body, "NumberOfPages=2", "NumberOfPages=0", 1)
	ev, err := newAdapter(t, account(true)).Normalize(raw(t, r))
	if err != nil {
		t.Fatal(err)
	}
	if ev.Document || ev.Pages == nil || *ev.Pages != 0 {
		t.Errorf("document, pages = %v, %v; want false, 0", ev.Document, ev.Pages)
	}
}

func TestNationalSenderNumberReadsAsAustralian(t *testing.T) {
	ev, err := newAdapter(t, account(true)).Normalize(raw(t, request(t, "received_complete")))
	if err != nil {
		t.Fatal(err)
	}
	if ev.From == nil || ev.From.Number != "+61311223344" || ev.From.Raw != "0311223344" {
		t.Errorf("from = %+v, want +61311223344 from 0311223344", ev.From)
	}
}

func TestNoCredentialReachesTheEvent(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			rm := raw(t, request(t, name))
			ev, err := newAdapter(t, account(true)).Normalize(rm)
			if err != nil {
				t.Fatal(err)
			}
			enc, _ := ev.Encode()
			data := enc.Data
			for _, secret := range []string{secretValue, basicPass, "Z29mYXg6", fax.DigestPrefix} {
				if bytes.Contains(data, []byte(secret)) {
					t.Errorf("event contains %q:\n%s", secret, data)
				}
			}
		})
	}
}

func TestConformance(t *testing.T) {
	providertest.Conformance(t, fax.GoFax, newAdapter(t, account(true)), raw(t, request(t, "received_complete")))
}

// TestVerifierConformance: whatever a stranger sends without the Basic
// credentials and the URL secret, the ingress's check refuses it as not
// authentic.
func TestVerifierConformance(t *testing.T) {
	providertest.VerifierConformance(t, newAdapter(t, account(true)), raw(t, request(t, "received_complete")),
		providertest.Strip([]string{secretParam}, []string{"Authorization"}))
}
