package config_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// TestValidateAudit: the audit trail's retention is finite in age and size,
// and the configured actor is a printable, bounded name.
func TestValidateAudit(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*config.Config)
		fields []string // nil: valid
	}{
		{"defaults", func(*config.Config) {}, nil},
		{"max_age kept forever", func(c *config.Config) { c.Streams.Audit.MaxAge = 0 }, []string{"streams.audit.max_age"}},
		{"max_age under the duplicate window", func(c *config.Config) { c.Streams.Audit.MaxAge = time.Second }, []string{"streams.audit.max_age"}},
		{"max_bytes unlimited", func(c *config.Config) { c.Streams.Audit.MaxBytes = -1 }, []string{"streams.audit.max_bytes"}},
		{"max_bytes 0", func(c *config.Config) { c.Streams.Audit.MaxBytes = 0 }, []string{"streams.audit.max_bytes"}},
		{"actor set", func(c *config.Config) { c.Audit.Actor = "alice@example.org" }, nil},
		{"actor with a newline", func(c *config.Config) { c.Audit.Actor = "alice\nbob" }, []string{"audit.actor"}},
		{"actor too long", func(c *config.Config) { c.Audit.Actor = strings.Repeat("a", config.MaxActorLen+1) }, []string{"audit.actor"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			if got := fieldErrors(c.Validate()); !slices.Equal(got, tt.fields) {
				t.Errorf("invalid fields = %q, want %q", got, tt.fields)
			}
		})
	}
	if got, want := config.Default().Streams.Audit.MaxAge, 6*365*24*time.Hour; got != want {
		t.Errorf("default streams.audit.max_age = %v, want six years (%v)", got, want)
	}
}
