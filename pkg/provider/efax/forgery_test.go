package efax_test

import (
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

const goodResourceURL = "https://api.securedocex.com/faxes/7e029808-1a2b-4c3d-8e9f-0a1b2c3d4e5f/image"

// withResourceURL returns the inbound fixture with its resource_url
// replaced by u, correctly signed: only the URL check can refuse it.
func withResourceURL(t testing.TB, u string) providertest.Request {
	r := providertest.LoadRequest(t, "testdata/inbound.request.json")
	r.Body = strings.Replace(r.Body, `"`+goodResourceURL+`"`, u, 1)
	return signed(r)
}

func TestForgeriesAreRejected(t *testing.T) {
	tests := []struct {
		name string
		req  func(t testing.TB) providertest.Request
		want fax.Reason
	}{
		{name: "body altered after signing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Body = strings.Replace(r.Body, `"pages":2`, `"pages":3`, 1)
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "body with a byte appended", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Body += " "
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "signed with another secret", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers["X-Hmac-Signature"] = []string{efax.Sign([]byte(r.Body), "not-the-secret")}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "signature truncated", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers["X-Hmac-Signature"] = []string{r.Headers["X-Hmac-Signature"][0][:62]}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "signature not hex", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			r.Headers["X-Hmac-Signature"] = []string{"zz"}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "signature missing", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			delete(r.Headers, "X-Hmac-Signature")
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "two signatures", req: func(t testing.TB) providertest.Request {
			r := request(t, "inbound")
			sig := r.Headers["X-Hmac-Signature"][0]
			r.Headers["X-Hmac-Signature"] = []string{sig, sig}
			return r
		}, want: fax.ReasonSignatureInvalid},
		{name: "resource_url on another host", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"https://evil.example/faxes/1/image"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url over http", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"http://api.securedocex.com/faxes/1/image"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url as an IP literal", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"https://169.254.169.254/latest/meta-data/"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url as an IPv6 literal", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"https://[::1]/faxes/1/image"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url with the API host as user info", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"https://api.securedocex.com@evil.example/"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url with user info on the API host", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"https://user:pass@api.securedocex.com/faxes/1/image"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url on a look-alike host", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"https://api.securedocex.com.evil.example/faxes/1/image"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url on another port", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"https://api.securedocex.com:8443/faxes/1/image"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url scheme-relative", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `"//api.securedocex.com/faxes/1/image"`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "resource_url not a string", req: func(t testing.TB) providertest.Request {
			return withResourceURL(t, `{"href":"https://api.securedocex.com/"}`)
		}, want: fax.ReasonUntrustedResourceURL},
		{name: "app_id of another app", req: func(t testing.TB) providertest.Request {
			r := providertest.LoadRequest(t, "testdata/inbound.request.json")
			r.Body = strings.Replace(r.Body, appID, "other-app", 1)
			return signed(r)
		}, want: fax.ReasonCredentialsMismatch},
		{name: "body not JSON", req: func(t testing.TB) providertest.Request {
			r := providertest.LoadRequest(t, "testdata/inbound.request.json")
			r.Body = "fax_id=1"
			return signed(r)
		}, want: fax.ReasonMalformed},
		{name: "direction unknown", req: func(t testing.TB) providertest.Request {
			r := providertest.LoadRequest(t, "testdata/inbound.request.json")
			r.Body = strings.Replace(r.Body, "INBOUND", "SIDEWAYS", 1)
			return signed(r)
		}, want: fax.ReasonMalformed},
		{name: "fax_id missing", req: func(t testing.TB) providertest.Request {
			r := providertest.LoadRequest(t, "testdata/inbound.request.json")
			r.Body = strings.Replace(r.Body, `"fax_id"`, `"fax_identifier"`, 1)
			return signed(r)
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
			providertest.CheckVerify(t, a, rm, true)
		})
	}
}

func TestSignatureAcceptedForms(t *testing.T) {
	tests := []struct {
		name string
		sig  func(string) string
	}{
		{name: "lower-case hex", sig: func(s string) string { return s }},
		{name: "upper-case hex", sig: strings.ToUpper},
		{name: "sha256= prefix", sig: func(s string) string { return "sha256=" + s }},
	}
	a := newAdapter(t, account(true))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, "inbound")
			r.Headers["X-Hmac-Signature"] = []string{tt.sig(r.Headers["X-Hmac-Signature"][0])}
			if _, err := a.Normalize(raw(t, r)); err != nil {
				t.Fatalf("Normalize: %v", err)
			}
		})
	}
}

func TestAccountWithoutAppIDAcceptsAnyApp(t *testing.T) {
	acc := account(true)
	acc.AppID = ""
	r := providertest.LoadRequest(t, "testdata/inbound.request.json")
	r.Body = strings.Replace(r.Body, appID, "other-app", 1)
	ev, err := newAdapter(t, acc).Normalize(raw(t, signed(r)))
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if got := string(ev.ProviderFields["app_id"]); got != `"other-app"` {
		t.Errorf("provider_fields.app_id = %s", got)
	}
}

func TestResourceURLAcceptsTheAccountsAPIHost(t *testing.T) {
	sim := account(true)
	sim.APIBaseURL = "https://127.0.0.1:8443/"
	tests := []struct {
		name string
		acc  efax.Account
		url  string
	}{
		{name: "host in another case, explicit port 443", acc: account(true), url: `"https://API.SecureDocEx.com:443/faxes/1/image"`},
		{name: "simulator base URL", acc: sim, url: `"https://127.0.0.1:8443/faxes/1/image"`},
		{name: "null", acc: account(true), url: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := newAdapter(t, tt.acc).Normalize(raw(t, withResourceURL(t, tt.url))); err != nil {
				t.Fatalf("Normalize: %v", err)
			}
		})
	}
}

func TestVerificationOff(t *testing.T) {
	t.Run("skips the signature", func(t *testing.T) {
		r := request(t, "inbound")
		r.Headers["X-Hmac-Signature"] = []string{"00"}
		if _, err := newAdapter(t, account(false)).Normalize(raw(t, r)); err != nil {
			t.Fatalf("Normalize: %v", err)
		}
	})
	t.Run("keeps the resource_url guard", func(t *testing.T) {
		rm := raw(t, withResourceURL(t, `"https://evil.example/"`))
		ev, err := newAdapter(t, account(false)).Normalize(rm)
		providertest.CheckRejected(t, rm, ev, err, fax.ReasonUntrustedResourceURL)
	})
}

func TestNewAdapterRefusesBadAccounts(t *testing.T) {
	noSecret := account(true)
	noSecret.HMACSecret = config.Secret{}
	badBase := account(true)
	badBase.APIBaseURL = "api.securedocex.com"
	tests := []struct {
		name     string
		accounts []efax.Account
	}{
		{name: "repeated id", accounts: []efax.Account{account(true), account(true)}},
		{name: "verifying without HMAC secret", accounts: []efax.Account{noSecret}},
		{name: "API base URL without scheme", accounts: []efax.Account{badBase}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := efax.NewNormalizer(tt.accounts, nil); err == nil {
				t.Fatal("NewNormalizer succeeded")
			}
		})
	}
}
