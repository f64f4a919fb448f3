package config

import (
	"time"
	"unicode"
	"unicode/utf8"
)

// AuditMaxAge is the default retention of the access audit trail
// (streams.audit.max_age): six years, what HIPAA asks of the records that
// document compliance (45 CFR 164.316(b)(2)). Local law may ask for longer.
const AuditMaxAge = 6 * 365 * 24 * time.Hour

// Audit says who the operator tools name in the access audit trail.
type Audit struct {
	// Actor is who a tool (tail --reveal, rejected show --reveal) records
	// as the reader, e.g. a person's login at the identity provider. Empty:
	// the operating system user running the tool.
	Actor string `yaml:"actor"`
}

// MaxActorLen bounds an audit actor's name, in bytes.
const MaxActorLen = 128

func (c *Config) validateAudit(ck *Checker) {
	ck.Check(printableName(c.Audit.Actor), "audit.actor", "must be printable, at most %d bytes", MaxActorLen)
}

// printableName reports whether s is UTF-8 of at most MaxActorLen bytes
// without control characters (empty is fine).
func printableName(s string) bool {
	return len(s) <= MaxActorLen && utf8.ValidString(s) && !containsControl(s)
}

func containsControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
