package ops

import (
	"slices"
	"testing"
	"time"
)

// TestParseTime: a time is RFC 3339, a date or a duration before now.
func TestParseTime(t *testing.T) {
	now := time.Date(2026, 11, 22, 19, 0, 0, 0, time.UTC)
	cases := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{"", time.Time{}, false},
		{"90m", now.Add(-90 * time.Minute), false},
		{"24h", now.Add(-24 * time.Hour), false},
		{"2026-11-01T08:30:00Z", time.Date(2026, 11, 1, 8, 30, 0, 0, time.UTC), false},
		{"2026-11-01T08:30:00.5+01:00", time.Date(2026, 11, 1, 7, 30, 0, 500_000_000, time.UTC), false},
		{"2026-11-01", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), false},
		{"-1h", time.Time{}, true},
		{"yesterday", time.Time{}, true},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := parseTime(c.in, now)
			if (err != nil) != c.wantErr || !got.Equal(c.want) {
				t.Errorf("parseTime(%q) = %v, %v; want %v (error %v)", c.in, got, err, c.want, c.wantErr)
			}
		})
	}
}

// TestParseInterleaved: flags may follow positional arguments.
func TestParseInterleaved(t *testing.T) {
	cases := []struct {
		name string
		args []string
		pos  []string
		json bool
	}{
		{"flags first", []string{"--json", "12", "13"}, []string{"12", "13"}, true},
		{"flags last", []string{"12", "13", "--json"}, []string{"12", "13"}, true},
		{"between", []string{"12", "--json", "13"}, []string{"12", "13"}, true},
		{"none", []string{"12"}, []string{"12"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs := newFlags("x", "x", nil)
			asJSON := fs.Bool("json", false, "")
			pos, err := parse(fs, c.args)
			if err != nil || !slices.Equal(pos, c.pos) || *asJSON != c.json {
				t.Errorf("parse(%v) = %v, json %v, %v; want %v, json %v", c.args, pos, *asJSON, err, c.pos, c.json)
			}
		})
	}
}
