package efax

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// fields are the members of an eFax JSON body. Reads take the members they
// map; the rest are kept verbatim for provider_fields. Like form.Fields,
// reads record their first error for Err.
type fields struct {
	m   map[string]json.RawMessage
	err error
}

// parseFields reads body as one JSON object; anything else is malformed.
func parseFields(body []byte) (*fields, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("efax body is not a JSON object: %w", fax.ReasonMalformed)
	}
	if dec.More() {
		return nil, fmt.Errorf("efax body has data after its JSON object: %w", fax.ReasonMalformed)
	}
	return &fields{m: m}, nil
}

// peek returns member name as text without taking it: a string's value or
// a number's literal; "" for null, absent or any other kind of value.
func (f *fields) peek(name string) (string, bool) {
	v, ok := f.m[name]
	if !ok {
		return "", false
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return s, true
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), true
	}
	return "", string(bytes.TrimSpace(v)) == "null"
}

// str takes member name as text (see peek). A member of another kind (an
// object, say) is not taken and stays in provider_fields.
func (f *fields) str(name string) string {
	s, ok := f.peek(name)
	if ok {
		delete(f.m, name)
	}
	return s
}

// require is str for a member that must be present and not empty.
func (f *fields) require(name string) string {
	s := f.str(name)
	if s == "" && f.err == nil {
		f.err = fmt.Errorf("efax field %s is missing: %w", name, fax.ReasonMalformed)
	}
	return s
}

// count takes member name as a count, a non-negative integer written as a
// number or a string; nil, and left in provider_fields, if it is not one.
func (f *fields) count(name string) *int {
	s, _ := f.peek(name)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 {
		return nil
	}
	delete(f.m, name)
	return &n
}

// time takes member name as an RFC 3339 time in UTC; nil, and left in
// provider_fields, if it is not one.
func (f *fields) time(name string) *time.Time {
	s, _ := f.peek(name)
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(s))
	if err != nil {
		return nil
	}
	t = t.UTC()
	delete(f.m, name)
	return &t
}

// rest returns the members not taken, verbatim.
func (f *fields) rest() map[string]json.RawMessage { return f.m }
