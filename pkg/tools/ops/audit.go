package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

const auditUsage = `audit [--since 24h|2026-11-22] [--action document.read|events.reveal|rejected.reveal] [--actor NAME] [--json]

Lists the access audit trail (FAXPIPE_AUDIT), oldest first: who read which
document or revealed personal data, when, with what and why. One line per
record; --json prints each record as stored. Records hold no personal
data, so listing them is not itself audited.`

// Audit is `faxpipe audit`: it prints the records of FAXPIPE_AUDIT that
// match its flags, up to the last stored when it starts.
func Audit(ctx context.Context, js jetstream.JetStream, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit", auditUsage, stderr)
	since := fs.String("since", "", "recorded at or after: a duration before now (24h) or an RFC 3339 time; default: all")
	action := fs.String("action", "", "only this action: "+strings.Join(actionNames(), ", "))
	actor := fs.String("actor", "", "only this actor")
	asJSON := fs.Bool("json", false, "print each record as stored, one per line")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return badArgs(fs, err, pos)
	}
	from, err := parseTime(*since, time.Now())
	if err != nil {
		return err
	}
	subject := fax.StreamSubjects[fax.AuditStream]
	if *action != "" {
		if !slices.Contains(audit.Actions, audit.Action(*action)) {
			return fmt.Errorf("action %q: want one of %s", *action, strings.Join(actionNames(), ", "))
		}
		subject = audit.Action(*action).Subject()
	}
	h := consumer.History{Stream: fax.AuditStream, Subject: subject, From: from}
	n := 0
	err = h.Scan(ctx, js, func(m jetstream.Msg) error {
		var r audit.Record
		if err := json.Unmarshal(m.Data(), &r); err != nil {
			return fmt.Errorf("audit record on %s: %w", m.Subject(), err)
		}
		if *actor != "" && r.Actor != *actor {
			return nil
		}
		n++
		if *asJSON {
			_, err := fmt.Fprintln(stdout, string(m.Data()))
			return err
		}
		_, err := fmt.Fprintln(stdout, auditLine(r))
		return err
	})
	if err == nil && n == 0 {
		noneFound(stderr, "no audit record")
	}
	return err
}

func actionNames() []string {
	out := make([]string, len(audit.Actions))
	for i, a := range audit.Actions {
		out[i] = string(a)
	}
	return out
}

// auditLine is one record for people: time, actor, action, object, why and
// with what.
func auditLine(r audit.Record) string {
	o := r.Object
	parts := []string{r.Time.UTC().Format(time.RFC3339), fmt.Sprintf("%-16s %-15s", r.Actor, r.Action)}
	switch {
	case o.Document != "":
		parts = append(parts, o.Bucket+"/"+o.Document)
	case o.Seq > 0:
		parts = append(parts, fmt.Sprintf("%s #%d (raw #%d)", o.Stream, o.Seq, o.RawSeq))
	case len(o.Subjects) > 0:
		parts = append(parts, strings.Join(o.Subjects, ","))
		if o.Since != nil {
			parts = append(parts, "since "+o.Since.UTC().Format(time.RFC3339))
		}
	}
	if r.Purpose != "" {
		parts = append(parts, fmt.Sprintf("purpose %q", r.Purpose))
	}
	via := r.Program
	if r.Host != "" {
		via += "@" + r.Host
	}
	return joinNonEmpty(append(parts, "via "+via))
}
