package stream

import (
	"bytes"
	"encoding/json"
	"math"

	"github.com/nats-io/nats.go/jetstream"
)

// ack is an acknowledgement read by parseAck; its byte slices point into
// the message.
type ack struct {
	stream, domain []byte
	seq            uint64
	duplicate      bool
}

// parseAck reads the acknowledgements nats-server writes for a stored
// message, {"stream":S,"seq":N}, with "domain":D before "seq" when the
// stream has a domain and "duplicate": true after it for a repeated
// Nats-Msg-Id, without reflection or allocation. It reports false for
// anything else (an error, a string with escapes, another field), which
// decodeAck reads; TestParseAckAgreesWithEncodingJSON holds the two to
// the same result.
func parseAck(d []byte) (ack, bool) {
	var a ack
	var ok bool
	if d, ok = bytes.CutPrefix(d, []byte(`{"stream":`)); !ok {
		return a, false
	}
	if a.stream, d, ok = plainString(d); !ok || len(a.stream) == 0 {
		return a, false
	}
	if rest, found := bytes.CutPrefix(d, []byte(`,"domain":`)); found {
		if a.domain, d, ok = plainString(rest); !ok {
			return a, false
		}
	}
	if d, ok = bytes.CutPrefix(d, []byte(`,"seq":`)); !ok {
		return a, false
	}
	n := 0
	for ; n < len(d) && d[n] >= '0' && d[n] <= '9'; n++ {
		digit := uint64(d[n] - '0')
		if a.seq > (math.MaxUint64-digit)/10 {
			return a, false // would overflow; encoding/json says how
		}
		a.seq = a.seq*10 + digit
	}
	if n == 0 || (n > 1 && d[0] == '0') {
		return a, false
	}
	switch string(d[n:]) {
	case "}":
	case `,"duplicate": true}`, `,"duplicate":true}`:
		a.duplicate = true
	default:
		return a, false
	}
	return a, true
}

// plainString reads a JSON string without escapes at the start of d and
// returns its content and what follows it.
func plainString(d []byte) (s, rest []byte, ok bool) {
	if len(d) == 0 || d[0] != '"' {
		return nil, d, false
	}
	end := bytes.IndexByte(d[1:], '"')
	if end < 0 {
		return nil, d, false
	}
	s = d[1 : 1+end]
	for _, c := range s {
		if c == '\\' || c < 0x20 || c >= 0x80 {
			return nil, d, false
		}
	}
	return s, d[2+end:], true
}

// decodeAck reads any answer to a publish with encoding/json, as nats.go
// does: the broker's refusal is a *jetstream.APIError, an answer without
// a stream jetstream.ErrInvalidJSAck.
func decodeAck(data []byte) result {
	var resp struct {
		Error *jetstream.APIError `json:"error"`
		jetstream.PubAck
	}
	if err := json.Unmarshal(data, &resp); err != nil {
		return result{err: jetstream.ErrInvalidJSAck}
	}
	if resp.Error != nil {
		return result{err: resp.Error}
	}
	if resp.Stream == "" {
		return result{err: jetstream.ErrInvalidJSAck}
	}
	return result{ack: resp.PubAck}
}
