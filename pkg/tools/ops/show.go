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

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
	"github.com/faxpipe/faxpipe/processor"
)

func showRejected(ctx context.Context, js jetstream.JetStream, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rejected show", rejectedUsage, stderr)
	asJSON := fs.Bool("json", false, "print {rejection, raw} as JSON")
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
	if *asJSON {
		var data json.RawMessage // null when gone
		if !gone {
			data = rawJSON(raw.Data())
		}
		return writeJSON(stdout, struct {
			Rejection replay.Rejection `json:"rejection"`
			Raw       json.RawMessage  `json:"raw"`
			RawGone   bool             `json:"raw_gone,omitempty"`
		}{r, data, gone})
	}
	if gone {
		return printRejectionOnly(stdout, r)
	}
	return printRejection(stdout, r, raw)
}

// printRejectionOnly prints r whose raw callback is past the raw stream's
// retention.
func printRejectionOnly(w io.Writer, r replay.Rejection) error {
	var b bytes.Buffer
	printRecord(&b, r)
	fmt.Fprintf(&b, "raw callback FAXPIPE_RAW #%d: no longer stored (past the raw stream's retention, streams.raw)\n", r.RawSeq)
	_, err := w.Write(b.Bytes())
	return err
}

// printRecord prints the rejection record itself: what it references.
func printRecord(b *bytes.Buffer, r replay.Rejection) {
	fmt.Fprintf(b, "rejection #%d, recorded %s\n", r.Seq, r.Stored.UTC().Format(time.RFC3339Nano))
	fmt.Fprintf(b, "  %s/%s  %s\n  detail: %s\n", r.Provider, r.Account, r.Reason, r.Detail)
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
func printRejection(w io.Writer, r replay.Rejection, raw processor.Raw) error {
	var b bytes.Buffer
	printRecord(&b, r)
	fmt.Fprintf(&b, "raw callback FAXPIPE_RAW #%d (%s):\n", raw.Seq(), raw.Subject())
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
