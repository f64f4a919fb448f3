package audit_test

import (
	"os/user"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/audit"
)

// TestLocalActor: a tool is named as configured, else after the OS user.
func TestLocalActor(t *testing.T) {
	a, err := audit.LocalActor("alice@example.org", "faxpipe tail")
	if err != nil || a.Name != "alice@example.org" || a.Program != "faxpipe tail" {
		t.Errorf("configured: %+v, %v", a, err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatalf("this test needs an OS user: %v", err)
	}
	if a, err := audit.LocalActor("", "faxpipe tail"); err != nil || a.Name != u.Username {
		t.Errorf("unconfigured: %+v, %v; want the OS user %q", a, err, u.Username)
	}
}
