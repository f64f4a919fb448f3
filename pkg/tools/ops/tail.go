package ops

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

const tailUsage = `tail [--provider P] [--account A] [--channel fax|sms] [--direction inbound|outbound]
                    [--outcome O] [--since 1h|2026-11-22T19:00:00Z] [--json] [--reveal [--reason R]]

Prints fax events and document announcements as they are published, one
line each (with --json: each message's CloudEvent, one per line), until
interrupted. --since starts that far back in history; the two streams are
then printed side by side, each in its own order.

Phone numbers are masked (+1323•••5555), in --json too, unless --reveal:
that prints them in clear, and first records who asked (audit.actor, else
the OS user), for which subjects and since when, in the access audit trail
(FAXPIPE_AUDIT); tail refuses to start if the record cannot be stored.`

// Tail is `faxpipe tail`: it follows FAXPIPE_EVENTS and FAXPIPE_DOCUMENTS
// with ephemeral consumers and prints what matches to stdout until ctx ends
// (nil) or stdout fails.
//
// With --reveal it prints phone numbers in clear, after recording that
// actor did so in the audit trail; it returns an error wrapping
// audit.ErrNotRecorded, having printed nothing, when it cannot.
func Tail(ctx context.Context, js jetstream.JetStream, actor audit.Actor, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("tail", tailUsage, stderr)
	filter := filterFlags(fs, true)
	since := fs.String("since", "", "start this far back: a duration (90m) or an RFC 3339 time; default: new messages only")
	asJSON := fs.Bool("json", false, "print each message's CloudEvent JSON, one per line (as stored with --reveal)")
	reveal := revealFlags(fs)
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return badArgs(fs, err, pos)
	}
	f := filter()
	if err := f.Validate(); err != nil {
		return err
	}
	start, from := consumer.StartNew(), time.Now()
	if *since != "" {
		t, err := parseTime(*since, time.Now())
		if err != nil {
			return err
		}
		start, from = consumer.StartTime(t), t
	}
	p := &printer{w: stdout, json: *asJSON, reveal: reveal.on()}
	if p.reveal {
		obj := audit.Object{Stream: fax.EventsStream, Provider: f.Provider, Account: f.Account,
			Subjects: []string{f.EventSubject()}, Since: &from}
		if err := reveal.record(ctx, js, actor, audit.EventsReveal, obj); err != nil {
			return fmt.Errorf("tail --reveal: %w", err)
		}
	}
	return tail(ctx, js, consumer.Config{Filter: f, Start: start}, p)
}

// tail runs a consumer per stream the filter can match, printing with p,
// until ctx ends or a write fails.
func tail(ctx context.Context, js jetstream.JetStream, cfg consumer.Config, p *printer) error {
	ctx, p.stop = context.WithCancel(ctx)
	defer p.stop()
	g, ctx := errgroup.WithContext(ctx)
	if cfg.Filter.MatchesEvents() {
		g.Go(func() error {
			return consumer.Events(js, cfg).Run(ctx, func(_ context.Context, m consumer.Message[fax.Event]) error {
				if p.reveal {
					return p.print(m.Raw, eventLine(m, personal{reveal: true}))
				}
				return p.print(maskEventJSON(m.Raw), eventLine(m, personal{}))
			})
		})
	}
	if cfg.Filter.MatchesDocuments() {
		g.Go(func() error {
			return consumer.Documents(js, cfg).Run(ctx, func(_ context.Context, m consumer.Message[fax.DocumentAnnouncement]) error {
				return p.print(m.Raw, documentLine(m))
			})
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return p.failed()
}

// printer writes whole lines from concurrent consumers; the first write
// that fails stops the tail.
type printer struct {
	mu     sync.Mutex
	w      io.Writer
	json   bool
	reveal bool // phone numbers in clear
	err    error
	stop   context.CancelFunc
}

func (p *printer) print(raw []byte, line string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return nil // already stopping
	}
	if p.json {
		line = string(raw)
	}
	if _, err := fmt.Fprintln(p.w, line); err != nil {
		p.err = fmt.Errorf("write: %w", err)
		p.stop()
	}
	return nil // the message was shown, or the tail is stopping
}

func (p *printer) failed() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// eventLine is one human-readable line of an event:
// time, sequence, type, provider/account, fax id and what is known of it,
// and whether the reconciler found it (its webhook never came). Phone
// numbers are shown as v says.
func eventLine(m consumer.Message[fax.Event], v personal) string {
	ev := m.Data
	parts := []string{lineHead(m.Stored, m.Seq, m.Type, ev.Provider, ev.Account, ev.FaxID)}
	if ev.Test {
		parts = append(parts, "TEST")
	}
	if ev.Pages != nil {
		parts = append(parts, fmt.Sprintf("%d pages", *ev.Pages))
	}
	parts = append(parts, v.party("from", ev.From), v.party("to", ev.To))
	if ev.StatusMessage != "" {
		parts = append(parts, fmt.Sprintf("status %q", v.text(ev.StatusMessage)))
	}
	if ev.LearnedVia == fax.OriginAPI {
		parts = append(parts, "WEBHOOK MISSED: found through the provider's API")
	}
	return joinNonEmpty(parts)
}

// documentLine is one human-readable line of a document announcement.
func documentLine(m consumer.Message[fax.DocumentAnnouncement]) string {
	d := m.Data
	parts := []string{lineHead(m.Stored, m.Seq, m.Type, d.Provider, d.Account, d.FaxID)}
	if d.Outcome == fax.DocumentStored {
		size := int64(0)
		if d.Size != nil {
			size = *d.Size
		}
		parts = append(parts, d.Object, fmt.Sprintf("%d bytes", size), d.ContentType, "sha256 "+short(d.SHA256))
	} else {
		parts = append(parts, "reason "+string(d.Reason), fmt.Sprintf("%q", d.Detail))
	}
	return joinNonEmpty(parts)
}

func lineHead(at time.Time, seq uint64, typ string, p fax.Provider, account, faxID string) string {
	return fmt.Sprintf("%s #%-6d %-30s %s/%s fax_id=%s", at.UTC().Format(time.RFC3339), seq, typ, p, account, faxID)
}

// personal shows personal data: masked (see maskNumber), or in clear with
// reveal.
type personal struct{ reveal bool }

// party is "label number", the E.164 number or, for a number that is not
// one, "label \"as the provider wrote it\"".
func (v personal) party(label string, p *fax.Party) string {
	switch {
	case p == nil:
		return ""
	case p.Number != "" && v.reveal:
		return label + " " + p.Number
	case p.Number != "":
		return label + " " + maskNumber(p.Number)
	}
	return fmt.Sprintf("%s %q", label, v.text(p.Raw))
}

// text is s with its phone numbers masked, unless reveal.
func (v personal) text(s string) string {
	if v.reveal {
		return s
	}
	return maskNumbers(s)
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12] + "…"
	}
	return sum
}

func joinNonEmpty(parts []string) string {
	out := parts[:0]
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "  ")
}
