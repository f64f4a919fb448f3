package efax_test

import (
	"path/filepath"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

const (
	appID      = "5a1c9e0b-app"
	hmacSecret = "efax-shared-secret"
)

var fixtures = []string{"inbound", "outbound", "outbound_failed", "ping"}

func account(verify bool) efax.Account {
	return efax.Account{
		AccountBase: config.AccountBase{ID: "acme", Verify: &verify, APIBaseURL: "https://api.securedocex.com"},
		AppID:       appID,
		HMACSecret:  config.Literal(hmacSecret),
	}
}

func newAdapter(t testing.TB, accounts ...efax.Account) fax.Normalizer {
	t.Helper()
	a, err := efax.NewNormalizer(accounts, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// request loads a fixture, signed with the account's secret.
func request(t testing.TB, name string) providertest.Request {
	t.Helper()
	return signed(providertest.LoadRequest(t, filepath.Join("testdata", name+".request.json")))
}

// signed returns r with ${SIGNATURE} replaced by the signature of its body.
func signed(r providertest.Request) providertest.Request {
	return r.Expand(map[string]string{"SIGNATURE": efax.Sign([]byte(r.Body), hmacSecret)})
}

func raw(t testing.TB, r providertest.Request) fax.RawMessage {
	t.Helper()
	return providertest.Raw(r.Envelope(fax.EFax, efax.Callback, nil, providertest.Digester(t)))
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

func TestNormalizeMapsKinds(t *testing.T) {
	tests := []struct {
		fixture                        string
		wantType                       string
		wantSuccess, wantDoc, wantTest bool
		wantFaxID                      string
	}{
		{fixture: "inbound", wantType: "faxpipe.fax.inbound.received", wantSuccess: true, wantDoc: true, wantFaxID: "7e029808-1a2b-4c3d-8e9f-0a1b2c3d4e5f"},
		{fixture: "outbound", wantType: "faxpipe.fax.outbound.delivered", wantSuccess: true, wantFaxID: "9a1b2c3d-0000-4000-8000-000000000002"},
		{fixture: "outbound_failed", wantType: "faxpipe.fax.outbound.failed", wantFaxID: "9a1b2c3d-0000-4000-8000-000000000003"},
		{fixture: "ping", wantType: "faxpipe.fax.inbound.ping", wantSuccess: true, wantTest: true, wantFaxID: "c0ffee00-0ping"},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			ev, err := a.Normalize(raw(t, request(t, tt.fixture)))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Type() != tt.wantType || ev.Success != tt.wantSuccess || ev.Document != tt.wantDoc || ev.Test != tt.wantTest || ev.FaxID != tt.wantFaxID {
				t.Errorf("type, success, document, test, fax_id = %s %v %v %v %s; want %s %v %v %v %s",
					ev.Type(), ev.Success, ev.Document, ev.Test, ev.FaxID, tt.wantType, tt.wantSuccess, tt.wantDoc, tt.wantTest, tt.wantFaxID)
			}
		})
	}
}

func TestOutboundStatus(t *testing.T) {
	tests := []struct {
		name        string
		extra       string // members added to the outbound fixture
		wantOutcome fax.Outcome
	}{
		{name: "no status, no error", wantOutcome: fax.OutcomeDelivered},
		{name: "status success", extra: `"status":"success",`, wantOutcome: fax.OutcomeDelivered},
		{name: "status failed", extra: `"status":"FAILED",`, wantOutcome: fax.OutcomeFailed},
		{name: "status wins over an error code", extra: `"status":"SENT","error_code":0,`, wantOutcome: fax.OutcomeDelivered},
		{name: "error code zero", extra: `"error_code":"0",`, wantOutcome: fax.OutcomeDelivered},
		{name: "error code", extra: `"error_code":3005,`, wantOutcome: fax.OutcomeFailed},
		{name: "error message", extra: `"error_message":"Busy",`, wantOutcome: fax.OutcomeFailed},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := providertest.LoadRequest(t, filepath.Join("testdata", "outbound.request.json"))
			r.Body = "{" + tt.extra + r.Body[1:]
			ev, err := a.Normalize(raw(t, signed(r)))
			if err != nil {
				t.Fatal(err)
			}
			if ev.Outcome != tt.wantOutcome {
				t.Errorf("outcome = %s, want %s", ev.Outcome, tt.wantOutcome)
			}
		})
	}
}

func TestConformance(t *testing.T) {
	providertest.Conformance(t, fax.EFax, newAdapter(t, account(true)), raw(t, request(t, "inbound")))
}

// TestVerifierConformance: whatever a stranger sends without the
// signature, the ingress's check refuses it as not authentic.
func TestVerifierConformance(t *testing.T) {
	providertest.VerifierConformance(t, newAdapter(t, account(true)), raw(t, request(t, "inbound")),
		providertest.Strip(nil, []string{efax.SignatureHeader}))
}
