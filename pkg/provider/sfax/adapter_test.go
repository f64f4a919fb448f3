package sfax_test

import (
	"bytes"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// The test account. Its key and IV are those of the PROVIDERS.md vector.
const (
	username = "acme-master"
	apiKey   = "5f4dcc3b5aa765d61d8327deb882cf99"
	otherKey = "ffffffffffffffffffffffffffffffff"
)

// tokenAge is how long before receipt the fixtures' tokens were generated.
const tokenAge = 2 * time.Minute

func account(verify bool) sfax.Account {
	return sfax.Account{
		AccountBase:   config.AccountBase{ID: "acme", Verify: &verify, APIBaseURL: "https://api.sfaxme.com"},
		Username:      username,
		APIKey:        config.Literal(apiKey),
		EncryptionKey: config.Literal(vectorKey),
		InitVector:    config.Literal(vectorIV),
		TokenWindow:   15 * time.Minute,
	}
}

func newAdapter(t testing.TB, accounts ...sfax.Account) fax.Normalizer {
	t.Helper()
	a, err := sfax.NewNormalizer(accounts, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// token returns a token of the test account generated at genDT.
func token(t testing.TB, tok sfax.Token, key, iv string) string {
	t.Helper()
	s, err := sfax.EncryptToken(tok, []byte(key), []byte(iv))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func goodToken(testing.TB) sfax.Token {
	return sfax.Token{Username: username, APIKey: apiKey, GenDT: providertest.ReceivedAt.Add(-tokenAge)}
}

// request loads a fixture with its token made as the account's, at GenDT
// tokenAge before receipt: raw in ${TOKEN} (as Sfax sends it, '+' unescaped),
// percent-encoded in ${TOKEN_ESCAPED}.
func request(t testing.TB, name string) providertest.Request {
	t.Helper()
	tok := token(t, goodToken(t), vectorKey, vectorIV)
	return providertest.LoadRequest(t, filepath.Join("testdata", name+".request.json")).
		Expand(map[string]string{"TOKEN": tok, "TOKEN_ESCAPED": url.QueryEscape(tok)})
}

func raw(t testing.TB, r providertest.Request) fax.RawMessage {
	t.Helper()
	return providertest.Raw(r.Envelope(fax.Sfax, sfax.Callback, nil, providertest.Digester(t)))
}

func TestGolden(t *testing.T) {
	a := newAdapter(t, account(true))
	for _, name := range []string{"inbound", "outbound", "outbound_failed"} {
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

func TestNormalizeMapsDirectionAndOutcome(t *testing.T) {
	a := newAdapter(t, account(true))
	tests := []struct {
		name                 string
		fixture              string
		edit                 func(string) string
		wantType             string
		wantSuccess, wantDoc bool
		wantFrom, wantTo     string
	}{
		{name: "inbound received", fixture: "inbound", wantType: "faxpipe.fax.inbound.received", wantSuccess: true, wantDoc: true, wantFrom: "+18885551234", wantTo: "+15555551212"},
		{name: "inbound failed has no document", fixture: "inbound", edit: replace("faxsuccess=1", "faxsuccess=0"), wantType: "faxpipe.fax.inbound.received"},
		{name: "outbound delivered", fixture: "outbound", wantType: "faxpipe.fax.outbound.delivered", wantSuccess: true, wantFrom: "+18885550000", wantTo: "+15555551212"},
		{name: "outbound failed", fixture: "outbound_failed", wantType: "faxpipe.fax.outbound.failed", wantFrom: "+18885550000", wantTo: "+15555550199"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, tt.fixture)
			if tt.edit != nil {
				r.Query = tt.edit(r.Query)
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
			if tt.wantFrom != "" && (ev.From == nil || ev.From.Number != tt.wantFrom || ev.To == nil || ev.To.Number != tt.wantTo) {
				t.Errorf("from, to = %+v, %+v; want %s, %s", ev.From, ev.To, tt.wantFrom, tt.wantTo)
			}
		})
	}
}

func TestFaxIDStaysAString(t *testing.T) {
	ev, err := newAdapter(t, account(true)).Normalize(raw(t, request(t, "inbound")))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	data := enc.Data
	if !bytes.Contains(data, []byte(`"fax_id":"2150102030405000000"`)) || !bytes.Contains(data, []byte(`"subject":"2150102030405000000"`)) {
		t.Errorf("19-digit fax id not kept as a string:\n%s", data)
	}
}

func TestNoCredentialReachesTheEvent(t *testing.T) {
	r := request(t, "inbound")
	env := r.Envelope(fax.Sfax, sfax.Callback, nil, providertest.Digester(t))
	ev, err := newAdapter(t, account(true)).Normalize(providertest.Raw(env))
	if err != nil {
		t.Fatal(err)
	}
	enc, _ := ev.Encode()
	data := enc.Data
	q, _ := url.ParseQuery(env.Query)
	for _, secret := range []string{apiKey, q.Get("apikey"), "token", fax.DigestPrefix} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("event contains %q:\n%s", secret, data)
		}
	}
	if strings.Contains(env.Query, apiKey) {
		t.Errorf("envelope query holds the API key in clear: %s", env.Query)
	}
}

func replace(from, to string) func(string) string {
	return func(s string) string { return strings.Replace(s, from, to, 1) }
}
