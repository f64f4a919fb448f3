package ingress

import (
	"bytes"
	stdjson "encoding/json"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// TestEnvelopeEncodingIsEncodingJSONs: the envelope's encoder (go-json, for
// speed) writes the bytes encoding/json writes without HTML escaping, for
// hostile values too: invalid UTF-8, control characters, HTML characters,
// U+2028/U+2029 and a binary body.
func TestEnvelopeEncodingIsEncodingJSONs(t *testing.T) {
	hostile := []string{"", "plain", "a&b<c>d", "\xff\xfe bad utf-8 \xc3", "ctl \x00\x01\x1f\x7f", "line\u2028sep\u2029", `quote " back \ slash`, "ünï©ødé 😀", "\t tab"}
	for _, v := range hostile {
		env := &fax.Envelope{
			Schema: fax.EnvelopeSchema, ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", ReceivedAt: time.Date(2026, 12, 3, 1, 2, 3, 456789, time.UTC),
			Provider: fax.EFax, Account: v, Method: "POST", Path: "/callbacks/efax/" + v, Query: "a=" + v + "&b=c",
			Headers: map[string][]string{"X-" + v: {v, v + "2"}, "Content-Type": {"application/json"}}, RemoteAddr: v,
			Body: []byte(v + "\x00\xff binary"), Redacted: []fax.Redaction{{In: "header", Name: v, KeyID: "k1"}},
		}
		got, err := encodeEnvelope(env)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		var want bytes.Buffer
		enc := stdjson.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(env); err != nil {
			t.Fatal(err)
		}
		if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
			t.Errorf("%q:\n got %s\nwant %s", v, got, w)
		}
	}
}
