package fax

import "strings"

// HeaderValues returns the values of the header named name, matched
// case-insensitively as HTTP does, in the order received; nil when absent.
// A redacted header's values are digests (see RedactHeaders).
func (e *Envelope) HeaderValues(name string) []string {
	var out []string
	for k, vs := range e.Headers {
		if strings.EqualFold(k, name) {
			out = append(out, vs...)
		}
	}
	return out
}
