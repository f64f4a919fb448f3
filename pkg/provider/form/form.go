// Package form reads the name=value fields of form bodies and query strings
// the way provider adapters need: tolerantly, in order, and keeping track of
// which fields were mapped so that the rest is kept verbatim.
package form

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Fields are the name=value pairs of a form body or query string, in the
// order sent. Names are matched case-insensitively. An adapter Takes the
// fields it maps; Rest returns the others for provider_fields. Reads record
// their first error instead of returning it: read every field, then check
// Err once.
type Fields struct {
	pairs []pair
	err   error
}

type pair struct {
	name, value string
	taken       bool
}

// Parse splits s (a raw query string or form body) into fields. It is
// tolerant where net/url is strict: ';' is no separator, a name or value
// with an invalid escape is kept as written, empty parts (a trailing '&')
// are skipped, and '+' is a space as in every form encoding. It parses
// names exactly as fax.RedactQuery does, so a redacted parameter is found
// under the name it was redacted under.
func Parse(s string) *Fields {
	f := &Fields{}
	for _, part := range strings.Split(s, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		f.pairs = append(f.pairs, pair{name: unescape(k), value: unescape(v)})
	}
	return f
}

func unescape(s string) string {
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// Merge appends the fields of g after those of f.
func (f *Fields) Merge(g *Fields) {
	f.pairs = append(f.pairs, g.pairs...)
}

// Count returns how many times a field named name was sent.
func (f *Fields) Count(name string) int {
	n := 0
	for _, p := range f.pairs {
		if strings.EqualFold(p.name, name) {
			n++
		}
	}
	return n
}

// Take returns the value of the field named name and marks it mapped; ""
// when absent. A field sent more than once with different values is
// ambiguous: Take returns "" and records an error wrapping
// fax.ReasonMalformed, which Err reports.
func (f *Fields) Take(name string) string {
	v, idx := f.lookup(name)
	for _, i := range idx {
		f.pairs[i].taken = true
	}
	return v
}

// Require is Take for a field that must be present and not empty; it
// records an error wrapping fax.ReasonMalformed otherwise.
func (f *Fields) Require(name string) string {
	v := f.Take(name)
	if v == "" {
		f.Fail(fmt.Errorf("field %s is missing: %w", name, fax.ReasonMalformed))
	}
	return v
}

// Int takes the field named name as a count (pages, seconds, attempts): a
// non-negative integer. An absent or empty field is nil; one that is not a
// count is nil too and stays in Rest, verbatim.
func (f *Fields) Int(name string) *int {
	v, _ := f.lookup(name)
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 0 {
		return nil
	}
	f.Take(name)
	return &n
}

// Time takes the RFC 3339 time field named name, in UTC. An absent or
// empty field is nil; one that does not parse is nil too and stays in Rest.
func (f *Fields) Time(name string) *time.Time {
	v, _ := f.lookup(name)
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		return nil
	}
	t = t.UTC()
	f.Take(name)
	return &t
}

// Err returns the first error recorded by Take, Require or Fail, or nil.
func (f *Fields) Err() error { return f.err }

// Fail records err unless an error is already recorded, so that an adapter
// can check its own conditions beside the reads and test Err once.
func (f *Fields) Fail(err error) {
	if f.err == nil {
		f.err = err
	}
}

// Rest returns every field not taken, by name as sent: a JSON string, or an
// array of strings for a name sent more than once.
func (f *Fields) Rest() map[string]json.RawMessage {
	grouped := map[string][]string{}
	for _, p := range f.pairs {
		if !p.taken {
			grouped[p.name] = append(grouped[p.name], p.value)
		}
	}
	out := make(map[string]json.RawMessage, len(grouped))
	for name, vs := range grouped {
		var b []byte
		if len(vs) == 1 {
			b, _ = json.Marshal(vs[0])
		} else {
			b, _ = json.Marshal(vs)
		}
		out[name] = b
	}
	return out
}

// lookup returns the value of name and the indexes of its pairs; on an
// ambiguous field it records the error and returns nothing.
func (f *Fields) lookup(name string) (string, []int) {
	var (
		v   string
		idx []int
	)
	for i, p := range f.pairs {
		if !strings.EqualFold(p.name, name) {
			continue
		}
		if len(idx) > 0 && p.value != v {
			f.Fail(fmt.Errorf("field %s sent twice with different values: %w", name, fax.ReasonMalformed))
			return "", nil
		}
		v, idx = p.value, append(idx, i)
	}
	return v, idx
}
