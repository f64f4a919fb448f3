package sfax

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// members are the members of one JSON object of Sfax's API (an item of
// its listing of received faxes). Sfax is a .NET service whose member
// names we only know from samples, so names are matched regardless of
// letter case [?]. Reads take the members they map; the rest are kept
// verbatim for provider_fields. Like form.Fields, reads record their first
// error for Err.
type members struct {
	m     map[string]json.RawMessage // by name as sent
	names map[string]string          // lower-case name → name as sent
	err   error
}

// parseMembers reads b as one JSON object with nothing after it. Anything
// else, or a name sent twice (in any letter case, which would make the
// object ambiguous), wraps fax.ReasonMalformed. Bytes that are not UTF-8
// (only possible inside strings) become U+FFFD, so that what is kept
// verbatim is still JSON text.
func parseMembers(b []byte) (*members, error) {
	malformed := func(why string) (*members, error) {
		return nil, fmt.Errorf("sfax listing item %s: %w", why, fax.ReasonMalformed)
	}
	if !utf8.Valid(b) {
		b = bytes.ToValidUTF8(b, []byte("\uFFFD"))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return malformed("is not a JSON object")
	}
	ms := &members{m: map[string]json.RawMessage{}, names: map[string]string{}}
	for dec.More() {
		tok, err := dec.Token()
		name, ok := tok.(string)
		if err != nil || !ok {
			return malformed("is not a JSON object")
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return malformed("is not a JSON object")
		}
		key := strings.ToLower(name)
		if _, dup := ms.names[key]; dup {
			return malformed(fmt.Sprintf("has member %q twice", name))
		}
		ms.names[key], ms.m[name] = name, v
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return malformed("is not a JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return malformed("has data after its JSON object")
	}
	return ms, nil
}

// peek returns member name as text without taking it: a string's value or
// a number's literal (exactly as sent: a 19-digit id keeps every digit);
// "" for null, absent or any other kind of value. ok is false when the
// member is absent or of another kind.
func (ms *members) peek(name string) (text, key string, ok bool) {
	key, present := ms.names[strings.ToLower(name)]
	if !present {
		return "", "", false
	}
	v := ms.m[key]
	switch {
	case len(v) > 0 && v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return "", key, false
		}
		return s, key, true
	case string(v) == "null":
		return "", key, true
	case len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'):
		return string(v), key, true
	}
	return "", key, false
}

// take removes the member sent as key from provider_fields.
func (ms *members) take(key string) {
	delete(ms.m, key)
	delete(ms.names, strings.ToLower(key))
}

// str takes member name as text (see peek). A member of another kind (an
// object, say) is not taken and stays in provider_fields.
func (ms *members) str(name string) string {
	s, key, ok := ms.peek(name)
	if ok {
		ms.take(key)
	}
	return s
}

// faxID takes member name as a fax id: a non-empty string, or a JSON
// number written as an integer (its digits as sent; a float64 would lose
// the last of Sfax's 19). It records a malformed error otherwise.
func (ms *members) faxID(name string) string {
	s, key, ok := ms.peek(name)
	if ok && ms.m[key][0] != '"' && !allDigits(s) {
		ok = false // null, or a number that is not an integer
	}
	if !ok || s == "" {
		ms.fail(fmt.Errorf("sfax listing item has no %s (a string or an integer): %w", name, fax.ReasonMalformed))
		return ""
	}
	ms.take(key)
	return s
}

// count takes the first of names that is a count, a non-negative integer
// written as a number or a string; nil, and every one left in
// provider_fields, if none is.
func (ms *members) count(names ...string) *int {
	for _, name := range names {
		s, key, _ := ms.peek(name)
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
			ms.take(key)
			return &n
		}
	}
	return nil
}

// time takes the first of names that reads as a time (see parseListedTime),
// in UTC; nil, and every one left in provider_fields, if none does.
func (ms *members) time(names ...string) *time.Time {
	for _, name := range names {
		s, key, _ := ms.peek(name)
		if t, ok := parseListedTime(s); ok {
			ms.take(key)
			return &t
		}
	}
	return nil
}

// success takes member name as a success flag: true or false, 1 or 0, as a
// JSON boolean, number or string. It records a malformed error for a
// missing member or any other value.
func (ms *members) success(name string) bool {
	key, present := ms.names[strings.ToLower(name)]
	b, ok := parseFlag(ms.m[key])
	if !present || !ok {
		ms.fail(fmt.Errorf("sfax listing item %s is missing or neither 0 nor 1: %w", name, fax.ReasonMalformed))
		return false
	}
	ms.take(key)
	return b
}

// fail records err unless an error is already recorded.
func (ms *members) fail(err error) {
	if ms.err == nil {
		ms.err = err
	}
}

// Err returns the first error a read recorded, or nil.
func (ms *members) Err() error { return ms.err }

// rest returns the members not taken, verbatim.
func (ms *members) rest() map[string]json.RawMessage { return ms.m }

// parseFlag reads a JSON boolean the tolerant way Sfax's answers need:
// true, false, 1, 0, or any of them in a string ("1", "True") [?].
func parseFlag(v json.RawMessage) (value, ok bool) {
	s := string(bytes.TrimSpace(v))
	if len(s) >= 2 && s[0] == '"' {
		if json.Unmarshal(v, &s) != nil {
			return false, false
		}
		s = strings.TrimSpace(s)
	}
	switch strings.ToLower(s) {
	case "true", "1":
		return true, true
	case "false", "0":
		return false, true
	}
	return false, false
}

// listedTimeLayouts are the forms Sfax's listing writes times in, all in
// UTC: FaxDateIso "2014-03-02T11:37:00Z" [doc], CreateDateIso with seven
// fractional digits [lib], FaxDateUtc "3/2/2014 11:37:00 AM" [doc] (the
// XML sample drops the space before AM), and the ISO form without a zone
// or with a space [?]. Go reads fractional seconds after any of them.
var listedTimeLayouts = []string{
	time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05",
	"1/2/2006 3:04:05 PM", "1/2/2006 3:04:05PM", "1/2/2006 15:04:05",
}

// parseListedTime reads a time of Sfax's listing, in UTC (a time without a
// zone is UTC: Sfax names its fields …Utc and …Iso).
func parseListedTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, layout := range listedTimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func allDigits(s string) bool {
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}
