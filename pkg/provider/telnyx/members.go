package telnyx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// object is one JSON object of a Telnyx body, its members as sent. Reads
// take the members they map out of it; what is left goes verbatim to
// provider_fields. The first error a read meets is kept in err.
type object struct {
	m   map[string]json.RawMessage
	err error
}

// parseObject reads b as exactly one JSON object; what names it in
// errors. Anything else is malformed.
func parseObject(b []byte, what string) (*object, error) {
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&m); err != nil || m == nil {
		return nil, fmt.Errorf("telnyx %s is not a JSON object: %w", what, fax.ReasonMalformed)
	}
	if dec.More() {
		return nil, fmt.Errorf("telnyx %s has data after its JSON object: %w", what, fax.ReasonMalformed)
	}
	return &object{m: m}, nil
}

// child takes member name, which must be a JSON object.
func (o *object) child(name string) (*object, error) {
	raw, ok := o.m[name]
	if !ok {
		return nil, fmt.Errorf("telnyx body has no %s object: %w", name, fax.ReasonMalformed)
	}
	c, err := parseObject(raw, name)
	if err != nil {
		return nil, err
	}
	delete(o.m, name)
	return c, nil
}

// text is member name as text without taking it: a string's value or a
// number's literal; ok false when absent, null or of another kind.
func (o *object) text(name string) (string, bool) {
	raw, found := o.m[name]
	if !found {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

// take is text that removes the member when it read.
func (o *object) take(name string) string {
	s, ok := o.text(name)
	if ok {
		delete(o.m, name)
	}
	return s
}

// require is take for a member that must be a non-empty string or number.
func (o *object) require(name string) string {
	s := o.take(name)
	if strings.TrimSpace(s) == "" && o.err == nil {
		o.err = fmt.Errorf("telnyx field %s is missing: %w", name, fax.ReasonMalformed)
	}
	return s
}

// count takes member name as a non-negative whole number (a JSON number,
// or a string of one); nil, and left in place, if it is not one.
func (o *object) count(name string) *int {
	s, _ := o.text(name)
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || f < 0 || f != math.Trunc(f) || f > math.MaxInt32 {
		return nil
	}
	n := int(f)
	delete(o.m, name)
	return &n
}

// flag reads member name as a JSON boolean without taking it; false when
// absent or of another kind.
func (o *object) flag(name string) bool {
	var b bool
	return json.Unmarshal(o.m[name], &b) == nil && b
}

// time takes member name as an RFC 3339 time, in UTC; nil, and left in
// place, if it is not one.
func (o *object) time(name string) *time.Time {
	s, _ := o.text(name)
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return nil
	}
	t = t.UTC()
	delete(o.m, name)
	return &t
}

// mergeInto copies the members left into pf, each under its own name or,
// when pf already has one by that name, under prefix+name; rename maps a
// member to another name first.
func (o *object) mergeInto(pf map[string]json.RawMessage, prefix string, rename map[string]string) {
	for k, v := range o.m {
		name := k
		if r, ok := rename[k]; ok {
			name = r
		}
		if _, taken := pf[name]; taken {
			name = prefix + k
		}
		pf[name] = v
	}
}
