package ops

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// What operators see of personal data unless they ask (--reveal, audited):
// phone numbers keep their country code and first digits and their last
// four (+1323•••5555), enough to recognise a line; callback bodies show
// only their size.

// hidden stands for the digits masked out.
const hidden = "•••"

// maskNumber masks the E.164 number n: up to four leading digits and the
// last four stay, at least three are hidden.
func maskNumber(n string) string {
	digits := strings.TrimPrefix(n, "+")
	if len(digits) <= 4 {
		return "+" + hidden
	}
	lead := min(max(len(digits)-4-3, 0), 4)
	return "+" + digits[:lead] + hidden + digits[len(digits)-4:]
}

// phoneLike is a run of digits, possibly with a leading '+' and the
// separators people write numbers with.
var phoneLike = regexp.MustCompile(`\+?\d[\d ().\-/]*\d`)

// minPhoneDigits is the fewest digits of a run masked as a phone number.
const minPhoneDigits = 7

// maskNumbers masks every phone-number-like run of s (seven digits or
// more): "+…" runs as maskNumber does, others to their last four digits.
func maskNumbers(s string) string {
	return phoneLike.ReplaceAllStringFunc(s, func(run string) string {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, run)
		switch {
		case len(digits) < minPhoneDigits:
			return run
		case strings.HasPrefix(run, "+"):
			return maskNumber(digits)
		}
		return hidden + digits[len(digits)-4:]
	})
}

// maskEventJSON is the CloudEvent raw, a fax event, with the personal data
// of its data masked: from and to, station and caller ids, the status
// message and every provider field; members keep their order. Not an
// event: only a note that it was masked.
func maskEventJSON(raw []byte) []byte {
	ce, ok := parseObject(raw)
	data, okData := parseObject(ce.get("data"))
	if !ok || !okData {
		return []byte(fmt.Sprintf(`{"masked":"%d bytes, not a fax event"}`, len(raw)))
	}
	for _, k := range []string{"from", "to"} {
		if p, ok := parseObject(data.get(k)); ok {
			var number, raw string
			if json.Unmarshal(p.get("number"), &number) == nil {
				p.set("number", mustJSON(maskNumber(number)))
			}
			if json.Unmarshal(p.get("raw"), &raw) == nil {
				p.set("raw", mustJSON(maskNumbers(raw)))
			}
			data.set(k, p.json())
		}
	}
	for _, k := range []string{"station_id", "caller_id", "status_message", "provider_fields"} {
		if v := data.get(k); v != nil {
			data.set(k, maskJSONValue(v))
		}
	}
	ce.set("data", data.json())
	return ce.json()
}

// object is a JSON object's members in their order.
type object []member

type member struct {
	key   string
	value json.RawMessage
}

// parseObject reads b, a JSON object; ok is false for anything else.
func parseObject(b []byte) (o object, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		key, isKey := t.(string)
		var v json.RawMessage
		if err != nil || !isKey || dec.Decode(&v) != nil {
			return nil, false
		}
		o = append(o, member{key, v})
	}
	return o, true
}

func (o object) get(key string) json.RawMessage {
	for _, m := range o {
		if m.key == key {
			return m.value
		}
	}
	return nil
}

// set replaces key's value (it must be there).
func (o object) set(key string, v json.RawMessage) {
	for i := range o {
		if o[i].key == key {
			o[i].value = v
		}
	}
}

func (o object) json() []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(mustJSON(m.key))
		b.WriteByte(':')
		b.Write(m.value)
	}
	b.WriteByte('}')
	return b.Bytes()
}

// maskJSONValue masks the phone numbers of every string and number in v.
func maskJSONValue(v json.RawMessage) json.RawMessage {
	dec := json.NewDecoder(bytes.NewReader(v))
	dec.UseNumber()
	var x any
	if dec.Decode(&x) != nil {
		return mustJSON(hidden)
	}
	return mustJSON(maskAny(x))
}

func maskAny(x any) any {
	switch v := x.(type) {
	case string:
		return maskNumbers(v)
	case json.Number:
		if m := maskNumbers(v.String()); m != v.String() {
			return m
		}
		return v
	case []any:
		for i := range v {
			v[i] = maskAny(v[i])
		}
	case map[string]any:
		for k := range v {
			v[k] = maskAny(v[k])
		}
	}
	return x
}

// maskEnvelopeJSON is a raw envelope (JSON) with its body replaced by its
// size and the phone numbers of its query and headers masked. Not an
// envelope: a note of its size only.
func maskEnvelopeJSON(data []byte) json.RawMessage {
	env, ok := parseObject(data)
	if !ok {
		return mustJSON(fmt.Sprintf("%d bytes, not an envelope: masked (--reveal shows them)", len(data)))
	}
	var body, query string
	if json.Unmarshal(env.get("body"), &body) == nil {
		n := base64.StdEncoding.DecodedLen(len(body))
		if b, err := base64.StdEncoding.DecodeString(body); err == nil {
			n = len(b)
		}
		env.set("body", mustJSON(fmt.Sprintf("%d bytes: masked (--reveal shows them)", n)))
	}
	if json.Unmarshal(env.get("query"), &query) == nil {
		env.set("query", mustJSON(maskQuery(query)))
	}
	if h := env.get("headers"); h != nil {
		env.set("headers", maskJSONValue(h))
	}
	return env.json()
}

// maskQuery masks the phone numbers of each value of a raw query string,
// decoded to find them (%2B15555551212).
func maskQuery(q string) string {
	parts := strings.Split(q, "&")
	for i, p := range parts {
		k, v, ok := strings.Cut(p, "=")
		if dv, err := url.QueryUnescape(v); ok && err == nil {
			if m := maskNumbers(dv); m != dv {
				parts[i] = k + "=" + m
			}
		}
	}
	return strings.Join(parts, "&")
}

// mustJSON marshals v, which is always encodable, without escaping HTML
// characters (the output is for terminals and jq, not web pages).
func mustJSON(v any) json.RawMessage {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("mask: %v", err))
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}
