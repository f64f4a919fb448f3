package fax_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	gojson "github.com/goccy/go-json"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// stdEnvelopeJSON is env as encoding/json writes it without HTML escaping.
func stdEnvelopeJSON(t testing.TB, env *fax.Envelope) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(env); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func hostileEnvelope(v string, body []byte) *fax.Envelope {
	return &fax.Envelope{
		Schema: fax.EnvelopeSchema, ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", ReceivedAt: time.Date(2026, 12, 3, 1, 2, 3, 456789, time.UTC),
		Provider: fax.EFax, Account: v, Method: "POST", Path: "/callbacks/efax/" + v, Query: "a=" + v + "&b=c",
		Headers: map[string][]string{"X-" + v: {v, v + "2"}, "Content-Type": {"application/json"}, "B": {}, "A": nil}, RemoteAddr: v,
		Body: body, Redacted: []fax.Redaction{{In: "header", Name: v, KeyID: "k1"}},
	}
}

// TestEnvelopeAppendJSONIsEncodingJSONs: AppendJSON writes the bytes
// encoding/json writes, for hostile values too, for empty and absent
// fields, and for an API envelope.
func TestEnvelopeAppendJSONIsEncodingJSONs(t *testing.T) {
	hostile := []string{"", "plain", "a&b<c>d", "\xff\xfe bad utf-8 \xc3", "ctl \x00\x01\x08\x0c\x1f\x7f", "line\u2028sep\u2029", `quote " back \ slash`, "ünï©ødé 😀", "\t tab\r\n", "\xed\xa0\x80 surrogate"}
	var envs []*fax.Envelope
	for _, v := range hostile {
		envs = append(envs, hostileEnvelope(v, []byte(v+"\x00\xff binary")))
	}
	api := hostileEnvelope("acme", []byte(`{"fax_id":"1"}`))
	api.Origin, api.Seal = fax.OriginAPI, "seal&value"
	envs = append(envs, api, &fax.Envelope{}, &fax.Envelope{Body: []byte{}, Headers: map[string][]string{}, Redacted: []fax.Redaction{}})
	for _, env := range envs {
		if got, want := env.AppendJSON(nil), stdEnvelopeJSON(t, env); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON =\n%s\nencoding/json =\n%s", got, want)
		}
	}
}

// FuzzEnvelopeAppendJSON holds AppendJSON to encoding/json's bytes for any
// strings and body.
func FuzzEnvelopeAppendJSON(f *testing.F) {
	f.Add("acme", "a=b&c=<d>", "X-Thing", "v\u2028\x00", []byte("\xff body"))
	f.Add("", "", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, account, query, header, value string, body []byte) {
		env := hostileEnvelope(account, body)
		env.Query = query
		env.Headers[header] = []string{value}
		if got, want := env.AppendJSON(nil), stdEnvelopeJSON(t, env); !bytes.Equal(got, want) {
			t.Errorf("AppendJSON =\n%s\nencoding/json =\n%s", got, want)
		}
	})
}

// FuzzEnvelopeDecoding: what the processor decodes an envelope with
// (go-json) reads any envelope the ingress writes as encoding/json does,
// and any bytes at all without panicking.
func FuzzEnvelopeDecoding(f *testing.F) {
	f.Add("acme", "a=b&c=<d>", "X-Thing", "v\u2028\x00", []byte("\xff body"), []byte(`{"id":1}`))
	f.Add("", "", "", "", []byte(nil), []byte(`{"headers":{"a":null},"body":"!!"}`))
	f.Fuzz(func(t *testing.T, account, query, header, value string, body, raw []byte) {
		env := hostileEnvelope(account, body)
		env.Query = query
		env.Headers[header] = []string{value}
		data := env.AppendJSON(nil)
		var std, fast fax.Envelope
		if err := json.Unmarshal(data, &std); err != nil {
			t.Fatalf("encoding/json refuses the ingress's envelope: %v", err)
		}
		if err := gojson.Unmarshal(data, &fast); err != nil {
			t.Fatalf("go-json refuses the ingress's envelope: %v\n%s", err, data)
		}
		if !reflect.DeepEqual(std, fast) {
			t.Errorf("go-json read\n%+v\nencoding/json\n%+v", fast, std)
		}
		var anything fax.Envelope
		_ = gojson.Unmarshal(raw, &anything) // whatever it says, it must not panic
	})
}
