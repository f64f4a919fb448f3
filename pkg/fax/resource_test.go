package fax_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestTrustedURL(t *testing.T) {
	const base = "https://api.securedocex.com"
	tests := []struct {
		name, raw, base string
		ok              bool
	}{
		{name: "the API host", raw: "https://api.securedocex.com/faxes/1/image", base: base, ok: true},
		{name: "host case and port 443", raw: "https://API.securedocex.com:443/faxes/1/image?desired_format=PDF", base: base, ok: true},
		{name: "base with a path", raw: "https://api.securedocex.com/faxes/1/image", base: base + "/v1/", ok: true},
		{name: "simulator on a port", raw: "https://localhost:8443/faxes/1", base: "https://localhost:8443", ok: true},
		{name: "other host", raw: "https://evil.example/faxes/1/image", base: base},
		{name: "sub-domain of the API host", raw: "https://x.api.securedocex.com/", base: base},
		{name: "API host as a prefix", raw: "https://api.securedocex.com.evil.example/", base: base},
		{name: "trailing dot", raw: "https://api.securedocex.com./", base: base},
		{name: "http", raw: "http://api.securedocex.com/faxes/1/image", base: base},
		{name: "no scheme", raw: "//api.securedocex.com/faxes/1/image", base: base},
		{name: "opaque", raw: "https:api.securedocex.com/faxes", base: base},
		{name: "IP literal", raw: "https://10.0.0.1/faxes/1/image", base: base},
		{name: "user info trick", raw: "https://api.securedocex.com@evil.example/", base: base},
		{name: "user info on the API host", raw: "https://u:p@api.securedocex.com/", base: base},
		{name: "backslash trick", raw: `https://api.securedocex.com\@evil.example/`, base: base},
		{name: "other port", raw: "https://api.securedocex.com:8443/", base: base},
		{name: "port 443 against a simulator port", raw: "https://localhost/faxes/1", base: "https://localhost:8443"},
		{name: "http on an http simulator", raw: "http://127.0.0.1:9601/faxes/1/image", base: "http://127.0.0.1:9601", ok: true},
		{name: "http default port on an http base", raw: "http://sim.local/faxes/1", base: "http://sim.local:80", ok: true},
		{name: "https port against an http base", raw: "https://127.0.0.1:9601/faxes/1", base: "http://127.0.0.1:9601", ok: true},
		{name: "http against an http base on another port", raw: "http://127.0.0.1:80/faxes/1", base: "http://127.0.0.1:9601"},
		{name: "empty", raw: "", base: base},
		{name: "bad base", raw: "https://api.securedocex.com/", base: "not a url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := fax.TrustedURL(tt.raw, tt.base)
			if tt.ok {
				if err != nil || u == nil {
					t.Fatalf("TrustedURL = %v, %v; want accepted", u, err)
				}
				return
			}
			if !errors.Is(err, fax.ReasonUntrustedResourceURL) || u != nil {
				t.Fatalf("TrustedURL = %v, %v; want untrusted_resource_url", u, err)
			}
		})
	}
}

// FuzzTrustedURL: whatever TrustedURL accepts is https, without user info,
// on the API host.
func FuzzTrustedURL(f *testing.F) {
	f.Add("https://api.securedocex.com/faxes/1/image")
	f.Add("https://api.securedocex.com@evil.example/")
	f.Add("HTTPS://API.SECUREDOCEX.COM:443/")
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := fax.TrustedURL(raw, "https://api.securedocex.com")
		if err != nil {
			if !errors.Is(err, fax.ReasonUntrustedResourceURL) {
				t.Fatalf("error %v is not untrusted_resource_url", err)
			}
			return
		}
		if !strings.EqualFold(u.Scheme, "https") || u.User != nil || !strings.EqualFold(u.Hostname(), "api.securedocex.com") || (u.Port() != "" && u.Port() != "443") {
			t.Fatalf("TrustedURL accepted %q: %#v", raw, u)
		}
	})
}
