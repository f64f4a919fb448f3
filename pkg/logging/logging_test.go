package logging_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/logging"
)

func TestMaskPhone(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{name: "E.164", in: "+15555551212", want: "+*******1212"},
		{name: "Sfax dashed", in: "1-5555551212", want: "*-******1212"},
		{name: "separators kept", in: "+1 (555) 555-1212", want: "+* (***) ***-1212"},
		{name: "short", in: "1212", want: "1212"},
		{name: "empty", in: "", want: ""},
		{name: "no digits", in: "Test CSID", want: "Test CSID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := logging.MaskPhone(tc.in); got != tc.want {
				t.Errorf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestPhoneMaskedAtInfo: a number logged through Phone is masked unless the
// logger debugs.
func TestPhoneMaskedAtInfo(t *testing.T) {
	tests := []struct {
		level    string
		wantFull bool
	}{
		{level: "info", wantFull: false},
		{level: "warn", wantFull: false},
		{level: "debug", wantFull: true},
	}
	for _, tc := range tests {
		t.Run(tc.level, func(t *testing.T) {
			var buf bytes.Buffer
			log, err := logging.New(&buf, tc.level, "json")
			if err != nil {
				t.Fatal(err)
			}
			log.Warn("fax", logging.Phone(log, "from", "+15555551212"))
			out := buf.String()
			if got := strings.Contains(out, "+15555551212"); got != tc.wantFull {
				t.Errorf("full number in %q = %v, want %v", out, got, tc.wantFull)
			}
			if !strings.Contains(out, "1212") {
				t.Errorf("last four digits missing from %q", out)
			}
		})
	}
}

func TestNewRejectsBadLevel(t *testing.T) {
	if _, err := logging.New(&bytes.Buffer{}, "loud", "json"); err == nil {
		t.Fatal("want an error for level \"loud\"")
	}
}
