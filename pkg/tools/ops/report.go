package ops

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
	"github.com/faxpipe/faxpipe/processor"
)

// runFlags are the flags replay and redrive share.
type runFlags struct {
	dryRun, progress, json, verbose *bool
	concurrency                     *int
}

func declareRunFlags(fs interface {
	Bool(string, bool, string) *bool
	Int(string, int, string) *int
}) runFlags {
	return runFlags{
		dryRun:      fs.Bool("dry-run", false, "verify and normalize, report what would happen, publish nothing"),
		progress:    fs.Bool("progress", false, "show a progress bar on stderr even when it is not a terminal"),
		json:        fs.Bool("json", false, "print the summary (and with -v the outcomes) as JSON"),
		verbose:     fs.Bool("v", false, "print each callback's outcome"),
		concurrency: fs.Int("concurrency", 8, "callbacks processed at once"),
	}
}

// options wires the run's reporting: a progress bar on stderr when it is
// a terminal (or when asked), each outcome on stdout with -v.
func (f runFlags) options(stdout, stderr io.Writer) (replay.Options, *progress) {
	p := &progress{w: stderr, on: *f.progress || isTerminal(stderr)}
	var mu sync.Mutex
	opts := replay.Options{DryRun: *f.dryRun, Concurrency: *f.concurrency, OnTotal: p.start}
	opts.OnDone = func(raw processor.Raw, out processor.Outcome, err error) {
		p.add()
		if *f.verbose {
			mu.Lock()
			defer mu.Unlock()
			printOutcome(stdout, *f.json, raw, out, err)
		}
	}
	return opts, p
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd())) //nolint:gosec // a file descriptor fits an int
}

// progress is an optional progress bar.
type progress struct {
	w   io.Writer
	on  bool
	bar *progressbar.ProgressBar
}

func (p *progress) start(total uint64) {
	if p.on && total > 0 {
		p.bar = progressbar.NewOptions64(int64(min(total, 1<<62)), progressbar.OptionSetWriter(p.w),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("callbacks"),
			progressbar.OptionSetDescription("processing"), progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionOnCompletion(func() { _, _ = fmt.Fprintln(p.w) }))
	}
}

func (p *progress) add() {
	if p.bar != nil {
		_ = p.bar.Add(1)
	}
}

func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
	}
}

// printOutcome prints one callback's outcome.
func printOutcome(w io.Writer, asJSON bool, raw processor.Raw, out processor.Outcome, err error) {
	if asJSON {
		line := struct {
			RawSeq uint64 `json:"raw_seq"`
			processor.Outcome
			Error string `json:"error,omitempty"`
		}{RawSeq: raw.Seq(), Outcome: out}
		if err != nil {
			line.Error = err.Error()
		}
		data, _ := json.Marshal(line)
		_, _ = fmt.Fprintln(w, string(data))
		return
	}
	switch {
	case err != nil:
		_, _ = fmt.Fprintf(w, "raw #%d  failed: %v\n", raw.Seq(), err)
	case out.Kind == processor.Rejected:
		_, _ = fmt.Fprintf(w, "raw #%d  rejected %s: %s\n", raw.Seq(), out.Reason, out.Detail)
	default:
		_, _ = fmt.Fprintf(w, "raw #%d  %s %s %s\n", raw.Seq(), out.Kind, out.EventID, out.Subject)
	}
}

// printSummary prints what a run came to.
func printSummary(w io.Writer, asJSON bool, what string, s replay.Summary) error {
	if asJSON {
		data, err := json.Marshal(s)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(w, string(data))
		return err
	}
	newEvents := "new events"
	if s.DryRun {
		what, newEvents = what+" (dry run: nothing published)", "would be new events"
	}
	_, err := fmt.Fprintf(w, "%s: %d raw callbacks\n  %-20s %d\n  %-20s %d\n  %-20s %d\n",
		what, s.Processed, newEvents, s.Events, "duplicates", s.Duplicates, "rejected", s.Rejections())
	reasons := make([]fax.Reason, 0, len(s.Rejected))
	for r := range s.Rejected {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		_, _ = fmt.Fprintf(w, "    %-18s %d\n", r, s.Rejected[r])
	}
	if s.Failed > 0 {
		_, _ = fmt.Fprintf(w, "  %-20s %d (first: %s)\n", "failed", s.Failed, s.FirstError)
	}
	return err
}

// run runs do with the options of the flags, then prints the summary. Its
// error is the run's own, or one saying that some callbacks failed (they
// may simply be run again).
func (f runFlags) run(stdout, stderr io.Writer, what string, do func(replay.Options) (replay.Summary, error)) error {
	opts, bar := f.options(stdout, stderr)
	s, err := do(opts)
	bar.finish()
	if perr := printSummary(stdout, *f.json, what, s); perr != nil && err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	if s.Failed > 0 {
		return fmt.Errorf("%d callbacks failed (transient faults); running again retries them safely", s.Failed)
	}
	return nil
}
