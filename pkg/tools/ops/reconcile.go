package ops

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/faxpipe/faxpipe/pkg/reconciler"
)

const reconcileUsage = `reconcile --from T [--to T] [--provider P] [--account A] [--dry-run] [--json]
                      [--progress]

Lists the faxes each account received from --from to --to through its
provider's API and feeds in every one faxpipe never heard of — a fax whose
webhook never arrived — exactly as the reconciler service does, once, over
the range you choose (after an outage, say). With --dry-run it lists what
faxpipe never heard of and changes nothing. Safe beside a running
reconciler and to repeat: no fax is fed twice, and a fax faxpipe already
has is left alone. GoFax has no listing API and cannot be reconciled. A
range reaching back further than faxpipe remembers event ids
(streams.dedupe_ttl less 12 h) is refused.
T is an RFC 3339 time, a date or a duration before now (24h). Prints each
fax found and a summary; no phone number is printed.`

// RunReconcile reconciles one range (reconciler.Range, bound to the
// configuration and the broker).
type RunReconcile func(ctx context.Context, opts reconciler.RangeOptions) (reconciler.Tally, error)

// Reconcile is `faxpipe reconcile`: it runs run over the range the flags
// give, printing each fax found and the summary to stdout (progress to
// stderr). run is nil when only the usage is asked for.
func Reconcile(ctx context.Context, run RunReconcile, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("reconcile", reconcileUsage, stderr)
	filter := filterFlags(fs, false)
	from := fs.String("from", "", "start of the range of completion times (required)")
	to := fs.String("to", "", "end of the range (default: now)")
	dry := fs.Bool("dry-run", false, "list the faxes faxpipe never heard of, feed nothing")
	asJSON := fs.Bool("json", false, "print the faxes found and the summary as JSON lines")
	showProgress := fs.Bool("progress", false, "show a progress bar on stderr even when it is not a terminal")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return badArgs(fs, err, pos)
	}
	if run == nil { // no broker: only the usage was asked for
		fs.Usage()
		return nil
	}
	now := time.Now()
	opts := reconciler.RangeOptions{Provider: filter().Provider, Account: filter().Account, DryRun: *dry}
	var err error
	if *from == "" {
		fs.Usage()
		return fmt.Errorf("--from is required")
	}
	if opts.Window.From, err = parseTime(*from, now); err != nil {
		return err
	}
	if opts.Window.To, err = parseTime(*to, now); err != nil {
		return err
	}
	if opts.Window.To.IsZero() {
		opts.Window.To = now
	}
	var bar *progressbar.ProgressBar
	opts.Progress = func(done, total int, so reconciler.Tally) {
		if bar == nil && (*showProgress || isTerminal(stderr)) {
			bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(stderr), progressbar.OptionShowCount(),
				progressbar.OptionSetDescription("windows"), progressbar.OptionThrottle(100*time.Millisecond),
				progressbar.OptionOnCompletion(func() { _, _ = fmt.Fprintln(stderr) }))
		}
		if bar != nil {
			bar.Describe(fmt.Sprintf("listed %d, missing %d", so.Listed, so.Missing))
			_ = bar.Set(done)
		}
	}
	opts.Found = func(f reconciler.Found) { printFound(stdout, *asJSON, *dry, f) }
	tally, err := run(ctx, opts)
	printTally(stdout, *asJSON, *dry, tally)
	return err
}

// printFound prints a fax faxpipe never heard of: its provider, account,
// fax id, completion time and event id; never a phone number.
func printFound(w io.Writer, asJSON, dry bool, f reconciler.Found) {
	if asJSON {
		_ = json.NewEncoder(w).Encode(struct {
			Found reconciler.Found `json:"found"`
			Fed   bool             `json:"fed"`
		}{f, !dry})
		return
	}
	verb := "fed in"
	if dry {
		verb = "missing"
	}
	line := fmt.Sprintf("%-8s %s/%s fax %s", verb, f.Provider, f.Account, f.FaxID)
	if !f.CompletedAt.IsZero() {
		line += " completed " + f.CompletedAt.UTC().Format(time.RFC3339)
	}
	if f.EventID != "" {
		line += " event " + f.EventID
	}
	if f.Problem != "" {
		line += " (the processor will reject it: " + f.Problem + ")"
	}
	_, _ = fmt.Fprintln(w, line)
}

// printTally prints the summary.
func printTally(w io.Writer, asJSON, dry bool, t reconciler.Tally) {
	if asJSON {
		_ = json.NewEncoder(w).Encode(struct {
			Summary reconciler.Tally `json:"summary"`
			DryRun  bool             `json:"dry_run"`
		}{t, dry})
		return
	}
	missing := "fed in"
	if dry {
		missing = "never heard of (dry run: nothing fed in)"
	}
	_, _ = fmt.Fprintf(w, "listed %d: %d already events, %d fed in earlier and not yet processed, %d %s\n",
		t.Listed, t.Seen, t.Pending, t.Missing, missing)
}
