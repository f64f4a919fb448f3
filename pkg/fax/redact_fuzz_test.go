package fax_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// fuzzSecrets are the secret parameter names of FuzzRedactQuery; one is in
// upper case to exercise the case-insensitive match.
var fuzzSecrets = []string{"secret", "TOKEN"}

// FuzzRedactQuery checks, for any raw query, that
//   - every piece between '&' that is not a secret parameter is kept byte for byte,
//   - a secret parameter keeps its raw name and gets the digest of its
//     decoded value (the raw value when it does not decode), and is recorded,
//   - outside those digests, the output never holds a secret value (raw or
//     decoded) of 8 bytes or more that is not already elsewhere in the query.
func FuzzRedactQuery(f *testing.F) {
	for _, seed := range []string{
		"",
		"secret=abcdefgh12345678",
		"FaxId=42&secret=p%40ssw0rd%2Bxyz&direction=in",
		"to=%2B61400000000&name=John+Smith&Token=a+very+long+token",
		"flag&secret&token=&&x=",
		"secret=one-long-value&secret=two-long-value",
		"s%65cret=abcdefgh&secret=%zz-not-decodable",
		"secret=a=b=c=d=e=f&x=a=b",
		"a=1;secret=semicolon-joined",
		"secret=%26secret%3Dxyzzy",
	} {
		f.Add(seed)
	}
	d := newDigester(f, "k1", testKey)
	f.Fuzz(func(t *testing.T, raw string) {
		out, red := fax.RedactQuery(raw, fuzzSecrets, d)
		inParts, outParts := strings.Split(raw, "&"), strings.Split(out, "&")
		if got, want := len(outParts), len(inParts); got != want {
			t.Fatalf("RedactQuery(%q) = %q: %d pieces, want %d", raw, out, got, want)
		}
		var (
			rest    []string // the query with every secret value removed
			spans   [][2]int // where the digests are in out
			values  []string // raw and decoded secret values
			secrets int
			offset  int
		)
		for i, in := range inParts {
			k, v, _ := strings.Cut(in, "=")
			name, err := url.QueryUnescape(k)
			if err != nil || !isFuzzSecret(name) {
				if got, want := outParts[i], in; got != want {
					t.Fatalf("RedactQuery(%q) = %q: piece %d is %q, want %q kept", raw, out, i, got, want)
				}
				rest = append(rest, in)
				offset += len(outParts[i]) + 1
				continue
			}
			decoded, err := url.QueryUnescape(v)
			if err != nil {
				decoded = v
			}
			digest, ok := strings.CutPrefix(outParts[i], k+"=")
			if !ok || !fax.IsDigest(digest) || !d.Matches(digest, decoded) {
				t.Fatalf("RedactQuery(%q) = %q: piece %d is %q, want %q followed by the digest of %q", raw, out, i, outParts[i], k+"=", decoded)
			}
			if secrets >= len(red) || red[secrets] != (fax.Redaction{In: "query", Name: name, KeyID: "k1"}) {
				t.Fatalf("RedactQuery(%q): redactions %+v do not record %q as number %d", raw, red, name, secrets)
			}
			secrets++
			rest = append(rest, k+"=")
			spans = append(spans, [2]int{offset + len(k) + 1, offset + len(outParts[i])})
			values = append(values, v, decoded)
			offset += len(outParts[i]) + 1
		}
		if got, want := len(red), secrets; got != want {
			t.Fatalf("RedactQuery(%q): %d redactions, want %d", raw, got, want)
		}
		restQuery := strings.Join(rest, "&")
		for _, s := range values {
			if len(s) < 8 || strings.Contains(restQuery, s) {
				continue
			}
			if at := leakOutside(out, s, spans); at >= 0 {
				t.Fatalf("RedactQuery(%q) = %q: secret value %q found at %d", raw, out, s, at)
			}
		}
	})
}

func isFuzzSecret(name string) bool {
	for _, s := range fuzzSecrets {
		if strings.EqualFold(s, name) {
			return true
		}
	}
	return false
}

// leakOutside returns the position of an occurrence of s in out that does
// not overlap any of spans, or -1. An occurrence overlapping a digest is the
// digest's text matching by chance, not the secret.
func leakOutside(out, s string, spans [][2]int) int {
	for from := 0; ; {
		i := strings.Index(out[from:], s)
		if i < 0 {
			return -1
		}
		start, end := from+i, from+i+len(s)
		overlaps := false
		for _, sp := range spans {
			if start < sp[1] && sp[0] < end {
				overlaps = true
				break
			}
		}
		if !overlaps {
			return start
		}
		from = start + 1
	}
}
