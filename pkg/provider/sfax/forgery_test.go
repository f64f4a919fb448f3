package sfax_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// withToken returns the inbound fixture carrying tok instead of the good one.
func withToken(t testing.TB, tok string) providertest.Request {
	r := request(t, "inbound")
	good := token(t, goodToken(t), vectorKey, vectorIV)
	r.Query = strings.Replace(r.Query, "token="+good, "token="+url.QueryEscape(tok), 1)
	return r
}

func tokenAt(t testing.TB, genDT time.Time) string {
	tok := goodToken(t)
	tok.GenDT = genDT
	return token(t, tok, vectorKey, vectorIV)
}

func TestForgeriesAreRejected(t *testing.T) {
	good := goodToken(t)
	other := good
	tests := []struct {
		name string
		req  func(t testing.TB) providertest.Request
		want fax.Reason
	}{
		{name: "token under another key", req: func(t testing.TB) providertest.Request {
			return withToken(t, token(t, good, otherKey, vectorIV))
		}, want: fax.ReasonSignatureInvalid},
		{name: "token under another IV", req: func(t testing.TB) providertest.Request {
			return withToken(t, token(t, good, vectorKey, "0000000000000000"))
		}, want: fax.ReasonSignatureInvalid},
		{name: "token altered", req: func(t testing.TB) providertest.Request {
			tok := token(t, good, vectorKey, vectorIV)
			return withToken(t, flipLastBlock(tok))
		}, want: fax.ReasonSignatureInvalid},
		{name: "token missing", req: func(t testing.TB) providertest.Request {
			return withToken(t, "")
		}, want: fax.ReasonSignatureInvalid},
		{name: "token of another user", req: func(t testing.TB) providertest.Request {
			o := other
			o.Username = "mallory"
			return withToken(t, token(t, o, vectorKey, vectorIV))
		}, want: fax.ReasonCredentialsMismatch},
		{name: "token with another API key", req: func(t testing.TB) providertest.Request {
			o := other
			o.APIKey = otherKey
			return withToken(t, token(t, o, vectorKey, vectorIV))
		}, want: fax.ReasonCredentialsMismatch},
		{name: "GenDT expired", req: func(t testing.TB) providertest.Request {
			return withToken(t, tokenAt(t, providertest.ReceivedAt.Add(-16*time.Minute)))
		}, want: fax.ReasonTokenExpired},
		{name: "GenDT in the future", req: func(t testing.TB) providertest.Request {
			return withToken(t, tokenAt(t, providertest.ReceivedAt.Add(16*time.Minute)))
		}, want: fax.ReasonTokenExpired},
		{name: "apikey parameter wrong", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Query = strings.Replace(r.Query, "apikey="+apiKey, "apikey="+otherKey, 1)
			return r
		}, want: fax.ReasonCredentialsMismatch},
		{name: "apikey parameter missing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Query = strings.Replace(r.Query, "apikey="+apiKey+"&", "", 1)
			return r
		}, want: fax.ReasonCredentialsMismatch},
		{name: "token sent twice, differently", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Query += "&token=" + url.QueryEscape(token(t, good, otherKey, vectorIV))
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "faxid missing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Query = strings.Replace(r.Query, "faxid=2150102030405000000&", "", 1)
			return r
		}, want: fax.ReasonMalformed},
		{name: "faxtype unknown", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Query = strings.Replace(r.Query, "faxtype=1", "faxtype=2", 1)
			return r
		}, want: fax.ReasonMalformed},
		{name: "unknown account", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Account = "globex"
			return r
		}, want: fax.ReasonUnknownAccount},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rm := raw(t, tt.req(t))
			ev, err := a.Normalize(rm)
			providertest.CheckRejected(t, rm, ev, err, tt.want)
			// The ingress's check agrees: a forgery stops there.
			providertest.CheckVerify(t, a, rm, false)
		})
	}
}

func TestTokenWindow(t *testing.T) {
	narrow := account(true)
	narrow.TokenWindow = time.Minute
	unset := account(true)
	unset.TokenWindow = 0
	tests := []struct {
		name    string
		acc     sfax.Account
		age     time.Duration
		wantErr bool
	}{
		{name: "just inside 15 minutes", acc: account(true), age: 15 * time.Minute},
		{name: "just inside 15 minutes ahead", acc: account(true), age: -15 * time.Minute},
		{name: "one second past", acc: account(true), age: 15*time.Minute + time.Second, wantErr: true},
		{name: "narrow window", acc: narrow, age: 2 * time.Minute, wantErr: true},
		{name: "unset window defaults to 15 minutes", acc: unset, age: 14 * time.Minute},
		{name: "unset window still expires", acc: unset, age: 16 * time.Minute, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rm := raw(t, withToken(t, tokenAt(t, providertest.ReceivedAt.Add(-tt.age))))
			ev, err := newAdapter(t, tt.acc).Normalize(rm)
			if tt.wantErr {
				providertest.CheckRejected(t, rm, ev, err, fax.ReasonTokenExpired)
			} else if err != nil {
				t.Fatalf("Normalize: %v", err)
			}
		})
	}
}

func TestReplayVerifiesAgainstReceiptTime(t *testing.T) {
	// A callback received long ago still verifies today: the token is
	// checked against the envelope's ReceivedAt, never the clock.
	r := withToken(t, tokenAt(t, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)))
	rm := raw(t, r)
	rm.Envelope.ReceivedAt = time.Date(2019, 1, 1, 0, 5, 0, 0, time.UTC)
	if _, err := newAdapter(t, account(true)).Normalize(rm); err != nil {
		t.Fatalf("Normalize of a 2019 callback: %v", err)
	}
}

func TestVerificationOffStillNormalizes(t *testing.T) {
	rm := raw(t, withToken(t, token(t, goodToken(t), otherKey, vectorIV)))
	ev, err := newAdapter(t, account(false)).Normalize(rm)
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if ev.FaxID != "2150102030405000000" {
		t.Errorf("fax_id = %q", ev.FaxID)
	}
	if _, ok := ev.ProviderFields["token"]; ok {
		t.Error("token reached provider_fields")
	}
}

func TestNewAdapterRefusesBadAccounts(t *testing.T) {
	shortKey := account(true)
	shortKey.EncryptionKey = config.Literal("short")
	tests := []struct {
		name     string
		accounts []sfax.Account
		digester bool
	}{
		{name: "no digester", accounts: []sfax.Account{account(true)}},
		{name: "repeated id", accounts: []sfax.Account{account(true), account(true)}, digester: true},
		{name: "short key", accounts: []sfax.Account{shortKey}, digester: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d *fax.Digester
			if tt.digester {
				d = providertest.Digester(t)
			}
			if _, err := sfax.NewNormalizer(tt.accounts, d); err == nil {
				t.Fatal("NewNormalizer succeeded")
			}
		})
	}
}

func TestConformance(t *testing.T) {
	providertest.Conformance(t, fax.Sfax, newAdapter(t, account(true)), raw(t, request(t, "inbound")))
}

// TestVerifierConformance: whatever a stranger sends without the token and
// API key, the ingress's check refuses it as not authentic.
func TestVerifierConformance(t *testing.T) {
	providertest.VerifierConformance(t, newAdapter(t, account(true)), raw(t, request(t, "inbound")),
		providertest.Strip([]string{"token", "apikey"}, nil))
}

// flipLastBlock changes one bit of the ciphertext's last block, which breaks
// its padding.
func flipLastBlock(tok string) string {
	b := []byte(tok)
	i := len(strings.TrimRight(tok, "=")) - 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
