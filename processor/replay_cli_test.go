package processor_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/ops"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
)

// TestReplayCommand: `faxpipe replay` after the key fix — a dry run reports
// the would-be events and publishes nothing, a replay publishes them, a
// second finds only duplicates.
func TestReplayCommand(t *testing.T) {
	p, _ := wrongKeyed(t)
	rp := p.replayer()
	cases := []struct {
		name string
		args []string
		want replay.Summary
	}{
		{"dry run", []string{"--dry-run", "--json"}, replay.Summary{DryRun: true, Processed: 5, Events: 3, Duplicates: 2}},
		{"efax only", []string{"--provider", "efax", "--json", "--from", "1h"}, replay.Summary{Processed: 3, Events: 3}},
		{"again, everything", []string{"--json"}, replay.Summary{Processed: 5, Duplicates: 5}},
	}
	for _, c := range cases {
		var stdout, stderr bytes.Buffer
		if err := ops.Replay(t.Context(), p.conn.JS, rp, c.args, &stdout, &stderr); err != nil {
			t.Fatalf("%s: %v\n%s", c.name, err, stderr.String())
		}
		var got replay.Summary
		if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
			t.Fatalf("%s: summary %q: %v", c.name, stdout.String(), err)
		}
		if fmt.Sprint(got.Events, got.Duplicates, got.Rejections(), got.Processed, got.DryRun) !=
			fmt.Sprint(c.want.Events, c.want.Duplicates, c.want.Rejections(), c.want.Processed, c.want.DryRun) {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestRejectedCommands: `faxpipe rejected list` shows the rejections, `show`
// one with its raw callback (the eFax body as text), `redrive` by reason
// turns them into events once, and by sequence again finds a duplicate.
func TestRejectedCommands(t *testing.T) {
	p, _ := wrongKeyed(t)
	rp := p.replayer()
	out := run(t, "list", func(stdout, stderr *bytes.Buffer) error {
		return ops.Rejected(t.Context(), p.conn.JS, rp, operator, []string{"list", "--reason", "signature_invalid"}, stdout, stderr)
	})
	lines := strings.Split(strings.TrimSpace(out), "\n")
	rawSeqs := map[string]bool{}
	for _, l := range lines {
		if !strings.Contains(l, "efax/demo signature_invalid") {
			t.Errorf("list line %q is not an efax signature_invalid rejection", l)
		}
		rawSeqs[strings.Fields(l)[5]] = true // "raw", "#N"
	}
	if len(lines) != 3 || !rawSeqs["#2"] || !rawSeqs["#3"] || !rawSeqs["#4"] {
		t.Fatalf("list, want the rejections of raw #2, #3 and #4 (processed in any order):\n%s", out)
	}
	rawOf2 := strings.Fields(lines[1])[5]
	out = run(t, "show", func(stdout, stderr *bytes.Buffer) error {
		return ops.Rejected(t.Context(), p.conn.JS, rp, operator, []string{"show", "2"}, stdout, stderr)
	})
	for _, want := range []string{"rejection #2", "signature_invalid", "FAXPIPE_RAW " + rawOf2, `"X-Hmac-Signature"`, "bytes: masked"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, `"fax_id"`) {
		t.Errorf("show prints the body without --reveal:\n%s", out)
	}
	out = run(t, "show --reveal", func(stdout, stderr *bytes.Buffer) error {
		return ops.Rejected(t.Context(), p.conn.JS, rp, operator, []string{"show", "--reveal", "2"}, stdout, stderr)
	})
	if !strings.Contains(out, `"fax_id":"efax-`) {
		t.Errorf("show --reveal lacks the body:\n%s", out)
	}
	out = run(t, "redrive", func(stdout, stderr *bytes.Buffer) error {
		return ops.Rejected(t.Context(), p.conn.JS, rp, operator, []string{"redrive", "--reason", "signature_invalid", "-v"}, stdout, stderr)
	})
	if !strings.Contains(out, "new events           3") || strings.Count(out, " event ") != 3 {
		t.Errorf("redrive by reason:\n%s", out)
	}
	out = run(t, "redrive again", func(stdout, stderr *bytes.Buffer) error {
		return ops.Rejected(t.Context(), p.conn.JS, rp, operator, []string{"redrive", "1"}, stdout, stderr)
	})
	if !strings.Contains(out, "new events           0") || !strings.Contains(out, "duplicates           1") {
		t.Errorf("redrive by sequence:\n%s", out)
	}
	if got := len(p.events()); got != 5 {
		t.Errorf("%d events, want 5", got)
	}
	// Past the raw stream's retention (purged here), show still shows the
	// record, and says where the callback went.
	st, err := p.conn.JS.Stream(t.Context(), fax.RawStream)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(t.Context()); err != nil {
		t.Fatal(err)
	}
	out = run(t, "show after retention", func(stdout, stderr *bytes.Buffer) error {
		return ops.Rejected(t.Context(), p.conn.JS, rp, operator, []string{"show", "2"}, stdout, stderr)
	})
	for _, want := range []string{"rejection #2", "signature_invalid", "sha256 ", "no longer stored (past the raw stream's retention"} {
		if !strings.Contains(out, want) {
			t.Errorf("show past retention lacks %s:\n%s", want, out)
		}
	}
}

// operator is who the tests' reveals are recorded as.
var operator = audit.Actor{Name: "operator", Program: "faxpipe rejected"}

func run(t *testing.T, what string, cmd func(stdout, stderr *bytes.Buffer) error) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if err := cmd(&stdout, &stderr); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, stderr.String())
	}
	return stdout.String()
}
