package ops

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

func TestMaskNumber(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"NANP", "+13235555555", "+1323•••5555"},
		{"Australia", "+61712344321", "+6171•••4321"},
		{"long", "+442079460958", "+4420•••0958"},
		{"nine digits", "+491234567", "+49•••4567"},
		{"short", "+1234567", "+•••4567"},
		{"tiny", "+123", "+•••"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskNumber(tt.in); got != tt.want {
				t.Errorf("maskNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskNumbers(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"E.164 in text", "call +13235555555 now", "call +1323•••5555 now"},
		{"written with separators", "fax (323) 555-5555.", "fax (•••5555."},
		{"international with spaces", "+61 7 1234 4321", "+6171•••4321"},
		{"short numbers stay", "3 pages, 24 s, code 500", "3 pages, 24 s, code 500"},
		{"no digits", "ACME CORP", "ACME CORP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskNumbers(tt.in); got != tt.want {
				t.Errorf("maskNumbers(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

var longDigitRun = regexp.MustCompile(`\d[\d ().\-/]*\d`)

// FuzzMaskNumbers: whatever the text, no run of seven digits or more is
// left, and what has no such run is unchanged.
func FuzzMaskNumbers(f *testing.F) {
	for _, s := range []string{"+13235555555", "(323) 555-5555 / 555 1212", "2026-01-02 10:11:12", "a1b2c3", "+", "1234567890123456789"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := maskNumbers(s)
		for _, run := range longDigitRun.FindAllString(out, -1) {
			if digits(run) >= minPhoneDigits {
				t.Fatalf("maskNumbers(%q) = %q keeps %q", s, out, run)
			}
		}
		clean := true
		for _, run := range longDigitRun.FindAllString(s, -1) {
			clean = clean && digits(run) < minPhoneDigits
		}
		if clean && out != s {
			t.Fatalf("maskNumbers(%q) = %q, changed text without a number", s, out)
		}
	})
}

func digits(s string) int {
	return len(s) - len(strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return -1
		}
		return r
	}, s))
}

// TestMaskEventJSONKeepsOrder: the masked CloudEvent keeps its members'
// order and everything that is not personal data.
func TestMaskEventJSONKeepsOrder(t *testing.T) {
	in := `{"specversion":"1.0","id":"x","data":{"fax_id":"2150102030405000000","from":{"number":"+13235555555","raw":"3235555555"},"pages":2}}`
	want := `{"specversion":"1.0","id":"x","data":{"fax_id":"2150102030405000000","from":{"number":"+1323•••5555","raw":"•••5555"},"pages":2}}`
	if got := string(maskEventJSON([]byte(in))); got != want {
		t.Errorf("maskEventJSON:\n got %s\nwant %s", got, want)
	}
	if got := string(maskEventJSON([]byte(`not json +13235555555`))); strings.Contains(got, "5555") || !json.Valid([]byte(got)) {
		t.Errorf("maskEventJSON of a non-event = %s", got)
	}
}
