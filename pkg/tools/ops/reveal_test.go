package ops_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/audit/audittest"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/ops"
)

// operator is who the tests' reveals are recorded as.
var operator = audit.Actor{Name: "alice", Program: "faxpipe test", Host: "ops-1"}

// e164 finds a phone number in clear: '+' and eight digits or more.
var e164 = regexp.MustCompile(`\+\d{8,}`)

// TestTailMasksNumbers: tail masks the parties' numbers, in lines and in
// --json (provider fields, station and caller ids too); --reveal prints
// them and first records who asked in the audit trail; with no audit
// trail to record in, --reveal prints nothing.
func TestTailMasksNumbers(t *testing.T) {
	js := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams).JS
	ev := event(fax.EFax, []string{"fax", "inbound", "received"}, "7e029808")
	ev.To, ev.CallerID, ev.StationID = fax.NewParty("+61712344321", ""), "13235555555", "ACME 323-555-5555"
	ev.ProviderFields["ANI"] = json.RawMessage(`"+1 (323) 555-5555"`)
	ev.ProviderFields["DNIS"] = json.RawMessage(`61712344321`)
	enc, err := ev.Encode()
	if err != nil {
		t.Fatal(err)
	}
	publish(t, js, enc.Subject, enc.Data)

	for _, args := range [][]string{{"--since", "1h"}, {"--since", "1h", "--json"}} {
		out := strings.Join(tailUntil(t, js, args, 1, &lines{}), "\n")
		if e164.MatchString(out) || strings.Contains(out, "5555555") || strings.Contains(out, "12344321") {
			t.Errorf("tail %v shows a number in clear:\n%s", args, out)
		}
		if !strings.Contains(out, "+1323•••5555") || !strings.Contains(out, "+6171•••4321") {
			t.Errorf("tail %v: no masked numbers:\n%s", args, out)
		}
		if n := len(audittest.Records(t, js)); n != 0 {
			t.Errorf("tail %v recorded %d reveals", args, n)
		}
	}

	out := strings.Join(tailUntil(t, js, []string{"--since", "1h", "--provider", "efax", "--reveal", "--reason", "ticket 7"}, 1, &lines{}), "\n")
	if !strings.Contains(out, "from +13235555555") || !strings.Contains(out, "to +61712344321") {
		t.Errorf("tail --reveal: numbers not in clear:\n%s", out)
	}
	recs := audittest.Records(t, js)
	if len(recs) != 1 {
		t.Fatalf("%d audit records, want 1", len(recs))
	}
	r := recs[0]
	if r.Subject != "faxpipe.audit.events.reveal" || r.Actor != "alice" || r.Purpose != "ticket 7" || r.Object.Provider != fax.EFax ||
		r.Object.Since == nil || time.Since(*r.Object.Since) < time.Hour-time.Minute || len(r.Object.Subjects) != 1 ||
		r.Object.Subjects[0] != "faxpipe.events.efax.*.*.*.*" {
		t.Errorf("record %+v on %s", r.Record, r.Subject)
	}

	if err := js.DeleteStream(t.Context(), fax.AuditStream); err != nil {
		t.Fatal(err)
	}
	var stdout lines
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	err = ops.Tail(ctx, js, operator, []string{"--since", "1h", "--reveal"}, &stdout, &bytes.Buffer{})
	if !errors.Is(err, audit.ErrNotRecorded) || len(stdout.lines()) != 0 {
		t.Errorf("tail --reveal with no audit trail = %v, printed %q; want ErrNotRecorded and nothing", err, stdout.lines())
	}
}

// TestRejectedShowMasksBody: rejected show (and list --json) print a
// rejected callback's body only as its size and mask the numbers of its
// query, headers and detail; show --reveal prints them after recording
// who asked, and prints nothing when it cannot record.
func TestRejectedShowMasksBody(t *testing.T) {
	js := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams).JS
	body := []byte(`{"FaxId":"f1","ANI":"+13235555555","Note":"call 323 555 5555"}`)
	env := fax.Envelope{Schema: fax.EnvelopeSchema, ID: "01890f5e-2b4c-7d3e-8f00-0123456789ab", ReceivedAt: time.Now().UTC(),
		Provider: fax.EFax, Account: "demo", Method: "POST", Path: "/callbacks/efax/demo", Query: "to=%2B13235555555&x=1",
		Headers: map[string][]string{"X-Caller": {"+1 323 555 5555"}, "Content-Type": {"application/json"}}, Body: body}
	envJSON, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	rawSeq := publishSeq(t, js, env.Subject(), envJSON)
	rej := fax.Rejected{Schema: fax.RejectedSchema, Provider: fax.EFax, Account: "demo", Reason: fax.ReasonSignatureInvalid,
		Detail: "bad signature from 3235555555", RejectedAt: time.Now().UTC(), RawSeq: rawSeq, Envelope: &env}
	rejJSON, err := json.Marshal(rej)
	if err != nil {
		t.Fatal(err)
	}
	seq := publishSeq(t, js, rej.Subject(), rejJSON)
	show := func(args ...string) (string, error) {
		var stdout bytes.Buffer
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		err := ops.Rejected(ctx, js, nil, operator, args, &stdout, &bytes.Buffer{})
		return stdout.String(), err
	}
	inClear := func(out string) bool {
		return e164.MatchString(out) || strings.Contains(out, "5555555") || strings.Contains(out, "555 5555") ||
			strings.Contains(out, `"FaxId"`) || strings.Contains(out, base64.StdEncoding.EncodeToString(body)[:40])
	}
	seqArg := strconv.FormatUint(seq, 10)
	for _, args := range [][]string{{"show", seqArg}, {"show", "--json", seqArg}, {"list", "--json"}, {"list"}} {
		out, err := show(args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if inClear(out) {
			t.Errorf("%v shows personal data in clear:\n%s", args, out)
		}
		if args[0] == "show" && !strings.Contains(out, "bytes: masked") {
			t.Errorf("%v: no note of the masked body:\n%s", args, out)
		}
	}
	if n := len(audittest.Records(t, js)); n != 0 {
		t.Errorf("masked views recorded %d reveals", n)
	}
	for _, c := range []struct {
		args []string
		none bool
	}{{[]string{"list", "--reason", "malformed"}, true}, {[]string{"list"}, false}} {
		var stdout, stderr bytes.Buffer
		if err := ops.Rejected(t.Context(), js, nil, operator, c.args, &stdout, &stderr); err != nil {
			t.Fatalf("%v: %v", c.args, err)
		}
		// Nothing found is said on stderr, never mixed into stdout.
		if none := strings.Contains(stderr.String(), "no rejection matches"); none != c.none || (stdout.Len() == 0) != c.none {
			t.Errorf("%v: stdout %q, stderr %q; want nothing found %v", c.args, stdout.String(), stderr.String(), c.none)
		}
	}

	out, err := show("show", "--reveal", "--reason", "INC-42", seqArg)
	if err != nil || !strings.Contains(out, `"FaxId":"f1"`) {
		t.Errorf("show --reveal = %v, without the body:\n%s", err, out)
	}
	recs := audittest.Records(t, js)
	if len(recs) != 1 {
		t.Fatalf("%d audit records, want 1", len(recs))
	}
	if r := recs[0]; r.Subject != "faxpipe.audit.rejected.reveal" || r.Actor != "alice" || r.Purpose != "INC-42" ||
		r.Object.Stream != fax.RejectedStream || r.Object.Seq != seq || r.Object.RawSeq != rawSeq || r.Object.Account != "demo" {
		t.Errorf("record %+v on %s", r.Record, r.Subject)
	}

	if err := js.DeleteStream(t.Context(), fax.AuditStream); err != nil {
		t.Fatal(err)
	}
	if out, err := show("show", "--reveal", seqArg); !errors.Is(err, audit.ErrNotRecorded) || out != "" {
		t.Errorf("show --reveal with no audit trail = %v, printed %q; want ErrNotRecorded and nothing", err, out)
	}
}

func publishSeq(t *testing.T, js jetstream.JetStream, subject string, data []byte) uint64 {
	t.Helper()
	msg := nats.NewMsg(subject)
	msg.Data = data
	ack, err := js.PublishMsg(t.Context(), msg)
	if err != nil {
		t.Fatal(err)
	}
	return ack.Sequence
}

// TestAuditList: `faxpipe audit` lists the trail, oldest first, filtered
// by action, actor and time.
func TestAuditList(t *testing.T) {
	js := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams).JS
	for _, who := range []string{"alice", "bob"} {
		log, err := audit.New(js, audit.Actor{Name: who, Program: "router", Host: "h1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := log.Record(t.Context(), audit.Entry{Action: audit.DocumentRead, Purpose: "ticket 7",
			Object: audit.Object{Bucket: fax.DocumentBucket, Document: "efax/demo/f1.pdf"}}); err != nil {
			t.Fatal(err)
		}
	}
	log, err := audit.New(js, operator)
	if err != nil {
		t.Fatal(err)
	}
	if err := log.Record(t.Context(), audit.Entry{Action: audit.RejectedReveal, Object: audit.Object{Stream: fax.RejectedStream, Seq: 4, RawSeq: 9}}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want []string // one substring per line, in order
	}{
		{"all", nil, []string{`alice document.read faxpipe-documents/efax/demo/f1.pdf purpose "ticket 7" via router@h1`,
			"bob ", "alice rejected.reveal FAXPIPE_REJECTED #4 (raw #9) via faxpipe test@ops-1"}},
		{"one action", []string{"--action", "rejected.reveal"}, []string{"rejected.reveal"}},
		{"one actor", []string{"--actor", "bob"}, []string{"bob "}},
		{"since later", []string{"--since", time.Now().Add(time.Hour).Format(time.RFC3339)}, nil},
		{"json", []string{"--json", "--actor", "bob"}, []string{`"actor":"bob"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if err := ops.Audit(t.Context(), js, c.args, &stdout, &stderr); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSpace(stdout.String()), "\n")
			// Nothing found is said on stderr, never mixed into stdout.
			if none := strings.Contains(stderr.String(), "no audit record matches"); none != (len(c.want) == 0) {
				t.Errorf("stderr %q: says nothing matched %v, want %v", stderr.String(), none, len(c.want) == 0)
			}
			if len(c.want) == 0 && stdout.Len() == 0 {
				return
			}
			if len(got) != len(c.want) {
				t.Fatalf("%d lines, want %d:\n%s", len(got), len(c.want), stdout.String())
			}
			for i, w := range c.want {
				if !strings.Contains(strings.Join(strings.Fields(got[i]), " "), w) {
					t.Errorf("line %d = %q, want %q in it", i, got[i], w)
				}
			}
		})
	}
	if err := ops.Audit(t.Context(), js, []string{"--action", "document.shred"}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Error("an unknown action was accepted")
	}
}
