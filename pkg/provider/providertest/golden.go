package providertest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// Golden compares got with the golden file at path, or rewrites the file
// when the test runs with -update.
func Golden(t testing.TB, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run with -update to accept it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// GoldenEvent is what a golden file holds for an event: the subject it is
// published on and its CloudEvent, indented.
func GoldenEvent(t testing.TB, subject string, cloudEvent []byte) []byte {
	t.Helper()
	out, err := json.MarshalIndent(struct {
		Subject    string          `json:"subject"`
		CloudEvent json.RawMessage `json:"cloudevent"`
	}{subject, cloudEvent}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(out, '\n')
}
