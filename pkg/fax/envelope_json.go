package fax

import (
	"encoding/base64"
	"slices"
	"time"
	"unicode/utf8"
)

// AppendJSON appends e as JSON to b: the bytes encoding/json's Encoder
// writes with SetEscapeHTML(false), without its newline, field for field
// (TestEnvelopeAppendJSONIsEncodingJSONs and its fuzz test hold it to
// that). It is the ingress's encoder, written out because reflection made
// it the largest cost of a callback beyond the broker's (README
// "Performance"). A field added to Envelope must be added here too; the
// tests fail until it is.
func (e *Envelope) AppendJSON(b []byte) []byte {
	b = append(b, `{"$schema":`...)
	b = appendJSONString(b, e.Schema)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"received_at":"`...)
	b = e.ReceivedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","provider":`...)
	b = appendJSONString(b, string(e.Provider))
	b = append(b, `,"account":`...)
	b = appendJSONString(b, e.Account)
	b = append(b, `,"method":`...)
	b = appendJSONString(b, e.Method)
	b = append(b, `,"path":`...)
	b = appendJSONString(b, e.Path)
	b = append(b, `,"query":`...)
	b = appendJSONString(b, e.Query)
	b = append(b, `,"headers":`...)
	b = appendHeaders(b, e.Headers)
	b = append(b, `,"remote_addr":`...)
	b = appendJSONString(b, e.RemoteAddr)
	b = append(b, `,"body":`...)
	if e.Body == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '"')
		b = base64.StdEncoding.AppendEncode(b, e.Body)
		b = append(b, '"')
	}
	b = append(b, `,"redacted":`...)
	if e.Redacted == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, r := range e.Redacted {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"in":`...)
			b = appendJSONString(b, r.In)
			b = append(b, `,"name":`...)
			b = appendJSONString(b, r.Name)
			b = append(b, `,"key_id":`...)
			b = appendJSONString(b, r.KeyID)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if e.Origin != "" {
		b = append(b, `,"origin":`...)
		b = appendJSONString(b, string(e.Origin))
	}
	if e.Seal != "" {
		b = append(b, `,"seal":`...)
		b = appendJSONString(b, e.Seal)
	}
	return append(b, '}')
}

// appendHeaders appends h as encoding/json does a map: keys sorted.
func appendHeaders(b []byte, h map[string][]string) []byte {
	if h == nil {
		return append(b, "null"...)
	}
	var small [32]string
	keys := small[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		vs := h[k]
		if vs == nil {
			b = append(b, "null"...)
			continue
		}
		b = append(b, '[')
		for j, v := range vs {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, v)
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does without HTML
// escaping: invalid UTF-8 as U+FFFD, U+2028 and U+2029 escaped, control
// characters as \b \f \n \r \t or \u00XX.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
