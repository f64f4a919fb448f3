package ops

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/processor"
)

// TestOutcomeLinesAreSnakeCase: each --json line of replay and redrive
// names its fields as the summary does (raw_seq, kind, event_id, …), and
// leaves out the ones an outcome does not have.
func TestOutcomeLinesAreSnakeCase(t *testing.T) {
	raw := processor.NewRaw("faxpipe.raw.efax.demo", nil, 7, time.Now())
	cases := []struct {
		name string
		out  processor.Outcome
		err  error
		want map[string]any
	}{
		{"event", processor.Outcome{Kind: processor.Event, Provider: fax.EFax, EventID: "e-1", Subject: "faxpipe.events.efax.demo.fax.inbound.received"},
			nil, map[string]any{"raw_seq": 7.0, "kind": "event", "event_id": "e-1", "subject": "faxpipe.events.efax.demo.fax.inbound.received"}},
		{"rejected", processor.Outcome{Kind: processor.Rejected, Reason: fax.ReasonMalformed, Detail: "not JSON", Subject: "faxpipe.rejected.efax.demo.malformed"},
			nil, map[string]any{"raw_seq": 7.0, "kind": "rejected", "reason": "malformed", "detail": "not JSON", "subject": "faxpipe.rejected.efax.demo.malformed"}},
		{"failed", processor.Outcome{}, errors.New("broker gone"), map[string]any{"raw_seq": 7.0, "error": "broker gone"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			printOutcome(&buf, true, raw, c.out, c.err)
			var got map[string]any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("%q: %v", buf.String(), err)
			}
			if len(got) != len(c.want) {
				t.Errorf("%s: fields %v, want %v", buf.String(), got, c.want)
			}
			for k, v := range c.want {
				if got[k] != v {
					t.Errorf("%s: %s = %v, want %v", buf.String(), k, got[k], v)
				}
			}
		})
	}
}
