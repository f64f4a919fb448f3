package doctor

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Report is the outcome of every check, in the order they ran.
type Report struct {
	Checks []Check
}

// ErrFailed is the error of a report with a failed check (Err).
var ErrFailed = errors.New("a check failed")

// Status is the worst status of the checks: OK when none warns or fails.
func (r Report) Status() Status {
	st := OK
	for _, c := range r.Checks {
		st = worse(st, c.Status)
	}
	return st
}

// Count is how many checks have status s.
func (r Report) Count(s Status) int {
	n := 0
	for _, c := range r.Checks {
		if c.Status == s {
			n++
		}
	}
	return n
}

// Err is nil unless a check failed; then it wraps ErrFailed and says how
// many did.
func (r Report) Err() error {
	if n := r.Count(Fail); n > 0 {
		return fmt.Errorf("doctor: %d of %d checks failed: %w", n, len(r.Checks), ErrFailed)
	}
	return nil
}

// jsonReport is the JSON form of a report (WriteJSON).
type jsonReport struct {
	Status Status  `json:"status"`
	OK     int     `json:"ok"`
	Warn   int     `json:"warn"`
	Fail   int     `json:"fail"`
	Checks []Check `json:"checks"`
}

// WriteJSON writes the report as one JSON object: {"status", "ok", "warn",
// "fail", "checks": [{"name", "status", "detail", "provider", "account"}]},
// status the worst of the checks' ("ok", "warn" or "fail"), ok, warn and
// fail how many checks have each, provider and account present on an
// account's checks only.
func (r Report) WriteJSON(w io.Writer) error {
	checks := r.Checks
	if checks == nil {
		checks = []Check{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{
		Status: r.Status(), OK: r.Count(OK), Warn: r.Count(Warn), Fail: r.Count(Fail), Checks: checks,
	})
}

// WriteText writes the report for people: a line per check (its status,
// WARN and FAIL in capitals, its name and its detail), then the counts.
func (r Report) WriteText(w io.Writer) error {
	width := 0
	for _, c := range r.Checks {
		width = max(width, len(c.Name))
	}
	var b strings.Builder
	for _, c := range r.Checks {
		st := string(c.Status)
		if c.Status != OK {
			st = strings.ToUpper(st)
		}
		fmt.Fprintf(&b, "%-4s  %-*s  %s\n", st, width, c.Name, c.Detail)
	}
	fmt.Fprintf(&b, "\n%s: %d ok, %s, %d failed\n",
		plural(len(r.Checks), "check"), r.Count(OK), plural(r.Count(Warn), "warning"), r.Count(Fail))
	_, err := io.WriteString(w, b.String())
	return err
}

// pluralWord is noun, with an s unless n is 1.
func pluralWord(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
