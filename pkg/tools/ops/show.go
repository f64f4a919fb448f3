package ops

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
	"github.com/faxpipe/faxpipe/processor"
)

func showRejected(ctx context.Context, js jetstream.JetStream, actor audit.Actor, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rejected show", rejectedUsage, stderr)
	asJSON := fs.Bool("json", false, "print {rejection, raw} as JSON")
	reveal := revealFlags(fs)
	pos, err := parse(fs, args)
	if err != nil || len(pos) != 1 {
		if err == nil {
			fs.Usage()
			err = fmt.Errorf("expected one sequence, got %d", len(pos))
		}
		return badArgs(fs, err, nil)
	}
	seqs, err := parseSeqs(pos)
	if err != nil {
		return err
	}
	r, err := replay.GetRejection(ctx, js, seqs[0])
	if err != nil {
		return err
	}
	raw, err := replay.RawOf(ctx, js, r)
	gone := errors.Is(err, replay.ErrRawGone)
	if err != nil && !gone {
		return err
	}
	if reveal.on() {
		obj := audit.Object{Provider: r.Provider, Account: r.Account, Stream: fax.RejectedStream, Seq: r.Seq, RawSeq: raw.Seq()}
		if err := reveal.record(ctx, js, actor, audit.RejectedReveal, obj); err != nil {
			return fmt.Errorf("rejected show --reveal: %w", err)
		}
	}
	if *asJSON {
		var data json.RawMessage // null when gone
		if !gone {
			data = rawView(raw.Data(), reveal.on())
		}
		return writeJSON(stdout, struct {
			Rejection any             `json:"rejection"`
			Raw       json.RawMessage `json:"raw"`
			RawGone   bool            `json:"raw_gone,omitempty"`
		}{rejectionView(r, reveal.on()), data, gone})
	}
	if gone {
		return printRejectionOnly(stdout, r, reveal.on())
	}
	return printRejection(stdout, r, raw, reveal.on())
}

// rejectionView is r as shown: as recorded with reveal, else with its
// copy of the callback masked (maskEnvelopeJSON) and the phone numbers of
// its detail masked.
func rejectionView(r replay.Rejection, reveal bool) any {
	if reveal {
		return r
	}
	m, ok := parseObject(mustJSON(r))
	if !ok {
		return "masked"
	}
	m.set("detail", mustJSON(maskNumbers(r.Detail)))
	if env := m.get("envelope"); env != nil {
		m.set("envelope", maskEnvelopeJSON(env))
	}
	if m.get("raw") != nil {
		m.set("raw", mustJSON(fmt.Sprintf("%d bytes: masked (--reveal shows them)", len(r.Raw))))
	}
	return json.RawMessage(m.json())
}

// rawView is the raw message data as shown: as stored with reveal (JSON,
// or a JSON string), else masked.
func rawView(data []byte, reveal bool) json.RawMessage {
	if reveal {
		return rawJSON(data)
	}
	return maskEnvelopeJSON(data)
}

// printRejectionOnly prints r whose raw callback is past the raw stream's
// retention.
func printRejectionOnly(w io.Writer, r replay.Rejection, reveal bool) error {
	var b bytes.Buffer
	printRecord(&b, r, reveal)
	fmt.Fprintf(&b, "raw callback FAXPIPE_RAW #%d: no longer stored (past the raw stream's retention, streams.raw)\n", r.RawSeq)
	_, err := w.Write(b.Bytes())
	return err
}

// printRecord prints the rejection record itself: what it references.
// Unless reveal, the phone numbers of its detail are masked.
func printRecord(b *bytes.Buffer, r replay.Rejection, reveal bool) {
	detail := r.Detail
	if !reveal {
		detail = maskNumbers(detail)
	}
	fmt.Fprintf(b, "rejection #%d, recorded %s\n", r.Seq, r.Stored.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(b, "  %s/%s  %s\n  detail: %s\n", r.Provider, r.Account, r.Reason, detail)
	if r.BodySHA256 != "" {
		fmt.Fprintf(b, "  raw #%d id %s received %s, body %d bytes sha256 %s\n", r.RawSeq, orNone(r.RawID),
			orNone(formatTime(r.ReceivedAt)), r.BodySize, r.BodySHA256)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// rawJSON is data if it is JSON, else data as a JSON string.
func rawJSON(data []byte) json.RawMessage {
	if json.Valid(data) {
		return data
	}
	quoted, _ := json.Marshal(string(data))
	return quoted
}

// printRejection prints r and its raw callback for people: the record,
// the envelope as stored (indented) and its body as text when it is text.
// Unless reveal, the body shows only its size and phone numbers are
// masked.
func printRejection(w io.Writer, r replay.Rejection, raw processor.Raw, reveal bool) error {
	var b bytes.Buffer
	printRecord(&b, r, reveal)
	fmt.Fprintf(&b, "raw callback FAXPIPE_RAW #%d (%s):\n", raw.Seq(), raw.Subject())
	if !reveal {
		if err := json.Indent(&b, maskEnvelopeJSON(raw.Data()), "  ", "  "); err != nil {
			return err
		}
		b.WriteString("\nbody and phone numbers masked: --reveal shows them (recorded in the access audit trail)\n")
		_, err := w.Write(b.Bytes())
		return err
	}
	if err := json.Indent(&b, raw.Data(), "  ", "  "); err != nil {
		fmt.Fprintf(&b, "  %q\n", raw.Data()) // not JSON: the bytes as they are
	} else {
		b.WriteString("\n")
	}
	var env fax.Envelope
	if json.Unmarshal(raw.Data(), &env) == nil && env.ID != "" {
		fmt.Fprintf(&b, "body (%d bytes):\n%s\n", len(env.Body), bodyText(env.Body))
	}
	_, err := w.Write(b.Bytes())
	return err
}

// bodyText is body as text when it is printable UTF-8, else base64.
func bodyText(body []byte) string {
	if len(body) == 0 {
		return "  (empty)"
	}
	printable := utf8.Valid(body) && !strings.ContainsFunc(string(body), func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
	if printable {
		return "  " + strings.ReplaceAll(string(body), "\n", "\n  ")
	}
	return "  base64: " + base64.StdEncoding.EncodeToString(body)
}
