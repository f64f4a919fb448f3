package fax

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// SecretHeaders are headers whose values are credentials wherever they
// appear; the ingress stores only their digest.
var SecretHeaders = []string{"Authorization", "Proxy-Authorization", "Cookie"}

// RedactQuery returns rawQuery with the value of every parameter named in
// secrets (case-insensitively) replaced by d.Digest of its decoded value,
// and the names it replaced. Every other byte is kept as received, so
// signatures over the query still verify.
func RedactQuery(rawQuery string, secrets []string, d *Digester) (string, []Redaction) {
	if rawQuery == "" || len(secrets) == 0 {
		return rawQuery, nil
	}
	var out []Redaction
	parts := strings.Split(rawQuery, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || !containsFold(secrets, name) {
			continue
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		parts[i] = k + "=" + d.Digest(v)
		out = append(out, Redaction{In: "query", Name: name, KeyID: d.KeyID()})
	}
	return strings.Join(parts, "&"), out
}

// RedactHeaders returns a copy of h with every SecretHeaders value replaced
// by its digest, and what it replaced.
func RedactHeaders(h http.Header, d *Digester) (map[string][]string, []Redaction) {
	out := make(map[string][]string, len(h))
	for k, vs := range h {
		ck := http.CanonicalHeaderKey(k)
		out[ck] = append(out[ck], vs...)
	}
	return out, redact(out, d)
}

// RedactHeadersInPlace is RedactHeaders for a header the caller owns and
// no longer needs as it was (the ingress's request): it replaces the
// secret values in h itself, sparing the copy, and returns h. A header with
// a key not in canonical form (not one net/http parsed) is copied instead.
func RedactHeadersInPlace(h http.Header, d *Digester) (map[string][]string, []Redaction) {
	for k := range h {
		if http.CanonicalHeaderKey(k) != k {
			return RedactHeaders(h, d)
		}
	}
	return h, redact(h, d)
}

// redact replaces every SecretHeaders value of h, whose keys are
// canonical, by its digest, and says what it replaced (sorted by name).
// It looks each secret header up rather than walking h, which holds every
// header of a callback.
func redact(h map[string][]string, d *Digester) []Redaction {
	var red []Redaction
	for _, k := range secretHeadersSorted {
		vs, ok := h[k]
		if !ok {
			continue
		}
		digested := make([]string, len(vs))
		for i, v := range vs {
			digested[i] = d.Digest(v)
		}
		h[k] = digested
		red = append(red, Redaction{In: "header", Name: k, KeyID: d.KeyID()})
	}
	return red
}

// secretHeadersSorted is SecretHeaders in canonical form and sorted, the
// order of redact's Redactions.
var secretHeadersSorted = func() []string {
	out := make([]string, len(SecretHeaders))
	for i, k := range SecretHeaders {
		out[i] = http.CanonicalHeaderKey(k)
	}
	slices.Sort(out)
	return out
}()

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
