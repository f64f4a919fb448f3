package ops

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
)

const rejectedUsage = `rejected list|show|redrive ...

  rejected list [--provider P] [--account A] [--reason R] [--since T] [--json]
      one line per rejection in FAXPIPE_REJECTED, oldest first (bodies and
      phone numbers masked: show --reveal one to see them)
  rejected show [--json] [--reveal [--reason R]] SEQ
      the rejection of sequence SEQ and the raw callback it references,
      read from FAXPIPE_RAW (secrets digested, as the ingress stored them),
      or a note that it is past the raw stream's retention; its body and phone numbers are masked
      unless --reveal, which first records who asked in the access audit
      trail (FAXPIPE_AUDIT) and shows nothing if it cannot
  rejected redrive [--dry-run] [-v] [--json] [--progress] (SEQ... | --reason R [--since T] [--provider P] [--account A])
      process the rejected raw callbacks again through the processor, after
      a configuration fix; safe to repeat. Callbacks past the raw stream's
      retention count as failed; those received before the dedupe horizon
      are rejected again (beyond_dedupe_horizon)`

// Rejected is `faxpipe rejected list|show|redrive`. Re-driving goes
// through rp, the processor's own processing; `show --reveal` is recorded
// in the audit trail as actor's. Asked for help (-h, -help, --help) it
// prints its usage and returns nil.
func Rejected(ctx context.Context, js jetstream.JetStream, rp replay.Reprocessor, actor audit.Actor, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		_, _ = fmt.Fprintf(stderr, "usage: faxpipe %s\n", rejectedUsage)
		return errors.New("rejected: expected list, show or redrive")
	}
	switch args[0] {
	case "-h", "-help", "--help":
		_, _ = fmt.Fprintf(stderr, "usage: faxpipe %s\n", rejectedUsage)
		return nil
	case "list":
		return listRejected(ctx, js, args[1:], stdout, stderr)
	case "show":
		return showRejected(ctx, js, actor, args[1:], stdout, stderr)
	case "redrive":
		return redrive(ctx, js, rp, args[1:], stdout, stderr)
	}
	_, _ = fmt.Fprintf(stderr, "usage: faxpipe %s\n", rejectedUsage)
	return fmt.Errorf("rejected: unknown subcommand %q", args[0])
}

// rejectionFlags declares the selection flags of list and redrive.
func rejectionFlags(fs *flag.FlagSet) func() (replay.RejectionFilter, error) {
	filter := filterFlags(fs, false)
	reason := fs.String("reason", "", "only this reason, e.g. signature_invalid")
	since := fs.String("since", "", "recorded at or after: a duration before now (24h) or an RFC 3339 time")
	return func() (replay.RejectionFilter, error) {
		f := filter()
		t, err := parseTime(*since, time.Now())
		return replay.RejectionFilter{Provider: f.Provider, Account: f.Account, Reason: fax.Reason(*reason), Since: t}, err
	}
}

func listRejected(ctx context.Context, js jetstream.JetStream, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rejected list", rejectedUsage, stderr)
	selection := rejectionFlags(fs)
	asJSON := fs.Bool("json", false, "print each rejection as JSON, one per line")
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return badArgs(fs, err, pos)
	}
	f, err := selection()
	if err != nil {
		return err
	}
	n := 0
	err = replay.Rejections(ctx, js, f, func(r replay.Rejection) error {
		n++
		if *asJSON {
			return writeJSON(stdout, rejectionView(r, false))
		}
		_, err := fmt.Fprintf(stdout, "%s #%-6d %s/%s %-22s raw #%-6d %s\n", r.Stored.UTC().Format(time.RFC3339), r.Seq,
			r.Provider, r.Account, r.Reason, r.RawSeq, oneLine(maskNumbers(r.Detail), 120))
		return err
	})
	if err == nil && n == 0 {
		noneFound(stderr, "no rejection")
	}
	return err
}

// noneFound says on stderr, where it does not mix with --json output, that
// a listing found nothing: a silent command looks like one that did not run.
func noneFound(stderr io.Writer, what string) {
	_, _ = fmt.Fprintln(stderr, what+" matches")
}

func writeJSON(w io.Writer, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(w, string(data))
	return err
}

// oneLine is s on one line, cut to n runes.
func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// parseSeqs reads stream sequences.
func parseSeqs(args []string) ([]uint64, error) {
	seqs := make([]uint64, 0, len(args))
	for _, a := range args {
		seq, err := strconv.ParseUint(strings.TrimPrefix(a, "#"), 10, 64)
		if err != nil || seq == 0 {
			return nil, fmt.Errorf("%q is not a stream sequence", a)
		}
		seqs = append(seqs, seq)
	}
	return seqs, nil
}
