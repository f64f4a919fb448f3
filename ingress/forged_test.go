package ingress_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/schemas"
)

// signedSfax is a genuine Sfax callback of the signed account: a token made
// now under the account's key.
func signedSfax(t testing.TB, faxID string) string {
	t.Helper()
	tok, err := sfax.EncryptToken(sfax.Token{Username: sfaxUser, APIKey: sfaxAPIKey, GenDT: time.Now().UTC()}, []byte(sfaxKey), []byte(sfaxIV))
	if err != nil {
		t.Fatal(err)
	}
	return "/callbacks/sfax/" + signedAccount + "?token=" + url.QueryEscape(tok) + "&apikey=" + sfaxAPIKey +
		"&faxtype=1&faxid=" + faxID + "&faxsuccess=1&faxpages=1&faxdateiso=2026-01-02T03:04:05Z"
}

// callback is one request of a test: method, path with query, headers, body.
type callback struct {
	method, path, body string
	header             http.Header
}

func (cb callback) request(t testing.TB, base string) *http.Request {
	t.Helper()
	req := newRequest(t, cb.method, base+cb.path, cb.body)
	for k, vs := range cb.header {
		req.Header[k] = vs
	}
	return req
}

// genuine are callbacks of each provider's signed account that verify.
func genuine(t testing.TB) map[string]callback {
	efaxBody := `{"app_id":"app","notification_id":"n1","direction":"INBOUND","fax_id":"f1","pages":1}`
	return map[string]callback{
		"sfax": {method: "GET", path: signedSfax(t, "2150102030405000000")},
		"gofax": {method: "POST", path: "/callbacks/gofax/" + signedAccount, body: "FaxID=1&Number=61712344321&Message=COMPLETE",
			header: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(gofaxUser+":"+gofaxPassword))},
				"Content-Type": {"application/x-www-form-urlencoded"}}},
		"efax": {method: "POST", path: "/callbacks/efax/" + signedAccount, body: efaxBody,
			header: http.Header{efax.SignatureHeader: {efax.Sign([]byte(efaxBody), efaxHMACKey)}, "Content-Type": {"application/json"}}},
	}
}

// TestForgeriesAreRefusedAtTheEdge: a callback of a verifying account that
// fails its provider's check — no credentials, wrong ones, garbage in any
// part — is answered 401 with a fixed body, never reaches FAXPIPE_RAW, and
// leaves one record in FAXPIPE_FORGED (no body, no query) and a count by
// reason. The genuine callbacks of the same accounts are stored.
func TestForgeriesAreRefusedAtTheEdge(t *testing.T) {
	h := newHarness(t, nil)
	ok := genuine(t)
	wrongToken, err := sfax.EncryptToken(sfax.Token{Username: sfaxUser, APIKey: sfaxAPIKey, GenDT: time.Now().UTC()}, []byte(strings.Repeat("k", 32)), []byte(sfaxIV))
	if err != nil {
		t.Fatal(err)
	}
	signed := "/callbacks/%s/" + signedAccount
	tests := []struct {
		name   string
		cb     callback
		reason fax.Reason
	}{
		{"sfax without token", callback{method: "GET", path: fmt.Sprintf(signed, "sfax") + "?faxid=1&faxtype=1"}, fax.ReasonSignatureInvalid},
		{"sfax token under another key", callback{method: "GET", path: fmt.Sprintf(signed, "sfax") + "?token=" + url.QueryEscape(wrongToken) + "&apikey=" + sfaxAPIKey}, fax.ReasonSignatureInvalid},
		{"sfax garbage query", callback{method: "GET", path: fmt.Sprintf(signed, "sfax") + "?%zz&&token&token=1&faxid=1&faxid=2"}, fax.ReasonSignatureInvalid},
		{"sfax garbage body", callback{method: "GET", path: fmt.Sprintf(signed, "sfax") + "?faxid=1", body: "\x00garbage"}, fax.ReasonSignatureInvalid},
		{"gofax no credentials", callback{method: "POST", path: fmt.Sprintf(signed, "gofax"), body: ok["gofax"].body}, fax.ReasonCredentialsMismatch},
		{"gofax wrong password", callback{method: "POST", path: fmt.Sprintf(signed, "gofax"), body: "FaxID=1",
			header: http.Header{"Authorization": {"Basic " + base64.StdEncoding.EncodeToString([]byte(gofaxUser+":guess"))}}}, fax.ReasonCredentialsMismatch},
		{"gofax garbage body and query", callback{method: "POST", path: fmt.Sprintf(signed, "gofax") + "?event=x&event=y&secret=a&secret=b", body: "\xff%%=&&="}, fax.ReasonCredentialsMismatch},
		{"efax unsigned", callback{method: "POST", path: fmt.Sprintf(signed, "efax"), body: ok["efax"].body}, fax.ReasonSignatureInvalid},
		{"efax garbage body", callback{method: "POST", path: fmt.Sprintf(signed, "efax"), body: "{not json", header: http.Header{efax.SignatureHeader: {"00"}}}, fax.ReasonSignatureInvalid},
		{"efax signed body altered", callback{method: "POST", path: fmt.Sprintf(signed, "efax"), body: ok["efax"].body + " ",
			header: ok["efax"].header}, fax.ReasonSignatureInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.cb.request(t, h.base))
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d (%s), want 401", resp.StatusCode, body)
			}
			var answer map[string]string
			if err := json.Unmarshal([]byte(body), &answer); err != nil || answer["error"] != "callback not authenticated" || len(answer) != 2 {
				t.Errorf("401 body %q, want only the fixed error and the request id", body)
			}
			if resp.Header.Get("Retry-After") != "" {
				t.Error("a 401 asks for a retry")
			}
		})
	}
	for name, cb := range ok {
		if resp, body := do(t, cb.request(t, h.base)); resp.StatusCode != http.StatusOK {
			t.Errorf("genuine %s callback: status %d (%s), want 200", name, resp.StatusCode, body)
		}
	}
	envs := h.envelopes()
	if len(envs) != len(ok) {
		t.Errorf("FAXPIPE_RAW holds %d envelopes, want only the %d genuine ones", len(envs), len(ok))
	}
	forged := h.forged()
	if len(forged) != len(tests) {
		t.Fatalf("FAXPIPE_FORGED holds %d records, want %d", len(forged), len(tests))
	}
	for i, tc := range tests {
		f := forged[i]
		sum := sha256.Sum256([]byte(tc.cb.body))
		if f.Reason != tc.reason || f.Path != strings.SplitN(tc.cb.path, "?", 2)[0] || f.Method != tc.cb.method ||
			f.BodySize != len(tc.cb.body) || f.BodySHA256 != hex.EncodeToString(sum[:]) || f.Client != "127.0.0.1" {
			t.Errorf("%s: record %+v, want reason %s and the request's path, method, body size and digest", tc.name, f, tc.reason)
		}
	}
	if got := counter(t, h.reg, "faxpipe_ingress_forgeries_total", map[string]string{"provider": "gofax", "account": signedAccount, "reason": "credentials_mismatch"}); got != 3 {
		t.Errorf("gofax credentials_mismatch forgeries counted %v, want 3", got)
	}
}

// TestSfaxBodyIsAForgeryUnlessTheTokenVerifies: a body on an Sfax callback
// is refused 400 only once the token verified; before, it is a forgery.
func TestSfaxBodyIsAForgeryUnlessTheTokenVerifies(t *testing.T) {
	h := newHarness(t, nil)
	cb := callback{method: "GET", path: signedSfax(t, "2150102030405000001"), body: "apikey=" + sfaxAPIKey}
	if resp, body := do(t, cb.request(t, h.base)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("genuine token with a body: status %d (%s), want 400", resp.StatusCode, body)
	}
	if n := len(h.envelopes()); n != 0 {
		t.Errorf("%d envelopes stored, want none", n)
	}
}

// TestForgeriesDoNotSpendTheAccountsBudget: a stranger flooding a
// verifying account's URL from many addresses spends only the per-client
// buckets; the account's genuine callbacks still get their 200s.
func TestForgeriesDoNotSpendTheAccountsBudget(t *testing.T) {
	h := newHarness(t, func(c *config.Ingress) {
		c.RateLimit = config.RateLimit{AccountRPS: 1, AccountBurst: 3, ClientRPS: 1, ClientBurst: 2}
		c.TrustedProxies = []string{"127.0.0.0/8"}
	})
	ok := genuine(t)
	for i := range 60 {
		cb := callback{method: "POST", path: "/callbacks/efax/" + signedAccount, body: ok["efax"].body,
			header: http.Header{"X-Forwarded-For": {fmt.Sprintf("198.51.100.%d", i%20)}}}
		if resp, body := do(t, cb.request(t, h.base)); resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("forgery %d: status %d (%s), want 401 or 429", i, resp.StatusCode, body)
		}
	}
	for i := range 3 {
		cb := ok["efax"]
		cb.header = cb.header.Clone()
		cb.header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i))
		if resp, body := do(t, cb.request(t, h.base)); resp.StatusCode != http.StatusOK {
			t.Fatalf("genuine callback %d after the flood: status %d (%s), want 200", i, resp.StatusCode, body)
		}
	}
	cb := ok["efax"]
	cb.header = cb.header.Clone()
	cb.header.Set("X-Forwarded-For", "203.0.113.9")
	if resp, _ := do(t, cb.request(t, h.base)); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("a fourth genuine callback at once: status %d, want 429 (the account's own burst is 3)", resp.StatusCode)
	}
}

// TestForgedRecordsAreRateLimited: a forgery wave writes at most the
// record budget to FAXPIPE_FORGED; the rest is counted as dropped, and
// every forgery is still refused and counted.
func TestForgedRecordsAreRateLimited(t *testing.T) {
	h := newHarness(t, nil)
	const n = 150
	for range n {
		cb := callback{method: "POST", path: "/callbacks/efax/" + signedAccount, body: "{}"}
		if resp, _ := do(t, cb.request(t, h.base)); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	}
	recorded := len(h.forged())
	dropped := counter(t, h.reg, "faxpipe_ingress_forged_records_dropped_total", map[string]string{"cause": "rate_limit"})
	// A burst of 40, then 20 a second for however long the loop took.
	if recorded < 40 || recorded >= n || recorded+int(dropped) != n {
		t.Errorf("%d recorded and %v dropped of %d forgeries, want the burst recorded, the rest mostly dropped, all counted", recorded, dropped, n)
	}
	if got := counter(t, h.reg, "faxpipe_ingress_forgeries_total", map[string]string{"provider": "efax", "account": signedAccount, "reason": "signature_invalid"}); got != n {
		t.Errorf("forgeries counted %v, want %d", got, n)
	}
	if len(h.envelopes()) != 0 {
		t.Error("a forgery reached FAXPIPE_RAW")
	}
}

// TestNotFoundDoesNotTellWhichPartIsUnknown: an unknown provider, an
// unknown account of a known provider, and another provider's account are
// answered alike: same status, body and headers.
func TestNotFoundDoesNotTellWhichPartIsUnknown(t *testing.T) {
	h := newHarness(t, nil)
	type answer struct {
		status int
		body   string
		header http.Header
	}
	get := func(method, path string) answer {
		resp, body := do(t, newRequest(t, method, h.base+path, "{}"))
		var a map[string]string
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatalf("%s: %v", body, err)
		}
		if id := resp.Header.Get("X-Request-Id"); id == "" || a["request_id"] != id {
			t.Errorf("%s %s: request_id %q in the answer, X-Request-Id %q: want the same, not empty", method, path, a["request_id"], id)
		}
		delete(a, "request_id")
		b, _ := json.Marshal(a)
		hdr := resp.Header.Clone()
		hdr.Del("Date")
		hdr.Del("X-Request-Id")
		return answer{resp.StatusCode, string(b), hdr}
	}
	want := get("POST", "/callbacks/phaxio/"+signedAccount)
	if want.status != http.StatusNotFound {
		t.Fatalf("unknown provider: status %d, want 404", want.status)
	}
	for _, tc := range []struct{ method, path string }{
		{"POST", "/callbacks/efax/nobody"},
		{"GET", "/callbacks/sfax/other"},
		{"POST", "/callbacks/phaxio/nobody"},
		{"DELETE", "/callbacks/gofax/nobody"},
	} {
		if got := get(tc.method, tc.path); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s %s answered %+v, the unknown provider %+v", tc.method, tc.path, got, want)
		}
	}
}

// forged reads every record in FAXPIPE_FORGED, each checked against its
// schema and subject.
func (h *harness) forged() []fax.Forged {
	h.t.Helper()
	var out []fax.Forged
	for _, m := range streamtest.Messages(h.t, h.conn.JS, fax.ForgedStream) {
		if err := schemas.Validate("forged.v1.json", m.Data); err != nil {
			h.t.Errorf("forged record %d: %v\n%s", m.Sequence, err, m.Data)
		}
		var f fax.Forged
		if err := json.Unmarshal(m.Data, &f); err != nil {
			h.t.Fatalf("forged record %d: %v", m.Sequence, err)
		}
		if m.Subject != f.Subject() {
			h.t.Errorf("forged record on %s, want %s", m.Subject, f.Subject())
		}
		out = append(out, f)
	}
	return out
}

// counter is the value of the counter name with labels in reg (0 when
// absent).
func counter(t testing.TB, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metrics:
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if v, ok := labels[lp.GetName()]; ok && v != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}
