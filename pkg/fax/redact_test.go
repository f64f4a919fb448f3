package fax_test

import (
	"net/http"
	"reflect"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestRedactQuery(t *testing.T) {
	d := newDigester(t, "k1", testKey)
	q := func(name string) fax.Redaction { return fax.Redaction{In: "query", Name: name, KeyID: "k1"} }
	tests := []struct {
		name    string
		raw     string
		secrets []string
		want    string
		wantRed []fax.Redaction
	}{
		{
			name:    "no secret names",
			raw:     "secret=abc&x=1",
			secrets: nil,
			want:    "secret=abc&x=1",
		},
		{
			name:    "empty query",
			raw:     "",
			secrets: []string{"secret"},
			want:    "",
		},
		{
			name:    "no secret present",
			raw:     "FaxId=42&direction=in",
			secrets: []string{"secret"},
			want:    "FaxId=42&direction=in",
		},
		{
			name:    "secret replaced, rest kept",
			raw:     "FaxId=42&secret=s3cr3t-value&direction=in",
			secrets: []string{"secret"},
			want:    "FaxId=42&secret=" + d.Digest("s3cr3t-value") + "&direction=in",
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "name matched case-insensitively, recorded as sent",
			raw:     "SeCrEt=abc",
			secrets: []string{"secret"},
			want:    "SeCrEt=" + d.Digest("abc"),
			wantRed: []fax.Redaction{q("SeCrEt")},
		},
		{
			name:    "secret name list matched case-insensitively",
			raw:     "token=abc",
			secrets: []string{"TOKEN"},
			want:    "token=" + d.Digest("abc"),
			wantRed: []fax.Redaction{q("token")},
		},
		{
			name:    "digest of decoded plus",
			raw:     "secret=a+b",
			secrets: []string{"secret"},
			want:    "secret=" + d.Digest("a b"),
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "digest of decoded percent escape",
			raw:     "secret=a%2Bb%40c",
			secrets: []string{"secret"},
			want:    "secret=" + d.Digest("a+b@c"),
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "escaped name matched, raw name bytes kept",
			raw:     "s%65cret=abc",
			secrets: []string{"secret"},
			want:    "s%65cret=" + d.Digest("abc"),
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "value with equals signs",
			raw:     "secret=a=b=c",
			secrets: []string{"secret"},
			want:    "secret=" + d.Digest("a=b=c"),
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "empty secret value",
			raw:     "secret=&x=1",
			secrets: []string{"secret"},
			want:    "secret=" + d.Digest("") + "&x=1",
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "undecodable secret value still replaced",
			raw:     "secret=abc%zz&x=1",
			secrets: []string{"secret"},
			want:    "secret=" + d.Digest("abc%zz") + "&x=1",
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "plus and %2B kept in other params",
			raw:     "to=%2B61400000000&name=John+Smith&secret=x&from=+61%2b2",
			secrets: []string{"secret"},
			want:    "to=%2B61400000000&name=John+Smith&secret=" + d.Digest("x") + "&from=+61%2b2",
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "empty values and empty pieces kept",
			raw:     "a=&&b=&secret=x&",
			secrets: []string{"secret"},
			want:    "a=&&b=&secret=" + d.Digest("x") + "&",
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "params without '=' kept",
			raw:     "flag&secret=x&other",
			secrets: []string{"secret"},
			want:    "flag&secret=" + d.Digest("x") + "&other",
			wantRed: []fax.Redaction{q("secret")},
		},
		{
			name:    "repeated secret param, each replaced",
			raw:     "secret=one&x=1&secret=two",
			secrets: []string{"secret"},
			want:    "secret=" + d.Digest("one") + "&x=1&secret=" + d.Digest("two"),
			wantRed: []fax.Redaction{q("secret"), q("secret")},
		},
		{
			name:    "repeated other param kept",
			raw:     "x=1&x=2&x=1",
			secrets: []string{"secret"},
			want:    "x=1&x=2&x=1",
		},
		{
			name:    "several secret names, in query order",
			raw:     "token=t1&a=b&secret=s1",
			secrets: []string{"secret", "token"},
			want:    "token=" + d.Digest("t1") + "&a=b&secret=" + d.Digest("s1"),
			wantRed: []fax.Redaction{q("token"), q("secret")},
		},
		{
			name:    "name containing a secret name kept",
			raw:     "secret_hint=abc&mysecret=def",
			secrets: []string{"secret"},
			want:    "secret_hint=abc&mysecret=def",
		},
		{
			name:    "secret name as a value kept",
			raw:     "field=secret",
			secrets: []string{"secret"},
			want:    "field=secret",
		},
		{
			name:    "semicolon is not a separator",
			raw:     "a=1;secret=x",
			secrets: []string{"secret"},
			want:    "a=1;secret=x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, red := fax.RedactQuery(tt.raw, tt.secrets, d)
			if want := tt.want; got != want {
				t.Errorf("query = %q, want %q", got, want)
			}
			if got, want := red, tt.wantRed; !reflect.DeepEqual(got, want) {
				t.Errorf("redactions = %+v, want %+v", got, want)
			}
		})
	}
}

func TestRedactHeaders(t *testing.T) {
	d := newDigester(t, "k1", testKey)
	h := func(name string) fax.Redaction { return fax.Redaction{In: "header", Name: name, KeyID: "k1"} }
	tests := []struct {
		name    string
		in      http.Header
		want    map[string][]string
		wantRed []fax.Redaction
	}{
		{
			name:    "no headers",
			in:      http.Header{},
			want:    map[string][]string{},
			wantRed: nil,
		},
		{
			name:    "authorization digested, exact value",
			in:      http.Header{"Authorization": {"Basic Z29mYXg6cHc= "}},
			want:    map[string][]string{"Authorization": {d.Digest("Basic Z29mYXg6cHc= ")}},
			wantRed: []fax.Redaction{h("Authorization")},
		},
		{
			name:    "proxy-authorization digested",
			in:      http.Header{"Proxy-Authorization": {"Bearer t"}},
			want:    map[string][]string{"Proxy-Authorization": {d.Digest("Bearer t")}},
			wantRed: []fax.Redaction{h("Proxy-Authorization")},
		},
		{
			name:    "cookie digested, every value in order",
			in:      http.Header{"Cookie": {"a=1", "b=2"}},
			want:    map[string][]string{"Cookie": {d.Digest("a=1"), d.Digest("b=2")}},
			wantRed: []fax.Redaction{h("Cookie")},
		},
		{
			name:    "non-canonical secret header canonicalized and digested",
			in:      http.Header{"authorization": {"Bearer t"}},
			want:    map[string][]string{"Authorization": {d.Digest("Bearer t")}},
			wantRed: []fax.Redaction{h("Authorization")},
		},
		{
			name: "other headers untouched and canonicalized",
			in: http.Header{
				"Content-Type":     {"application/json"},
				"x-hmac-signature": {"abc=="},
				"X-Forwarded-For":  {"203.0.113.7", "10.0.0.1"},
			},
			want: map[string][]string{
				"Content-Type":     {"application/json"},
				"X-Hmac-Signature": {"abc=="},
				"X-Forwarded-For":  {"203.0.113.7", "10.0.0.1"},
			},
		},
		{
			name: "redactions sorted by name",
			in: http.Header{
				"Proxy-Authorization": {"p"},
				"Cookie":              {"c"},
				"Authorization":       {"a"},
				"Accept":              {"*/*"},
			},
			want: map[string][]string{
				"Proxy-Authorization": {d.Digest("p")},
				"Cookie":              {d.Digest("c")},
				"Authorization":       {d.Digest("a")},
				"Accept":              {"*/*"},
			},
			wantRed: []fax.Redaction{h("Authorization"), h("Cookie"), h("Proxy-Authorization")},
		},
		{
			name:    "set-cookie is not a request secret",
			in:      http.Header{"Set-Cookie": {"a=1"}},
			want:    map[string][]string{"Set-Cookie": {"a=1"}},
			wantRed: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := tt.in.Clone()
			got, red := fax.RedactHeaders(tt.in, d)
			if want := tt.want; !reflect.DeepEqual(got, want) {
				t.Errorf("headers = %q, want %q", got, want)
			}
			if got, want := red, tt.wantRed; !reflect.DeepEqual(got, want) {
				t.Errorf("redactions = %+v, want %+v", got, want)
			}
			if got, want := tt.in, in; !reflect.DeepEqual(got, want) {
				t.Errorf("input headers changed to %q, want %q", got, want)
			}
			// In place: the same headers and redactions, in the input itself.
			got, red = fax.RedactHeadersInPlace(in, d)
			if want := tt.want; !reflect.DeepEqual(got, want) {
				t.Errorf("in place: headers = %q, want %q", got, want)
			}
			if got, want := red, tt.wantRed; !reflect.DeepEqual(got, want) {
				t.Errorf("in place: redactions = %+v, want %+v", got, want)
			}
		})
	}
}

func TestRedactHeadersReturnsACopy(t *testing.T) {
	d := newDigester(t, "k1", testKey)
	in := http.Header{"X-Fax-Id": {"42"}}
	out, _ := fax.RedactHeaders(in, d)
	out["X-Fax-Id"][0] = "changed"
	if got, want := in.Get("X-Fax-Id"), "42"; got != want {
		t.Errorf("input header after changing the output = %q, want %q", got, want)
	}
}
