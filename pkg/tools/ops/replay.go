package ops

import (
	"context"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/tools/replay"
)

const replayUsage = `replay [--from T] [--to T] [--provider P] [--account A] [--dry-run] [-v] [--json]
                      [--progress] [--concurrency N]

Processes the raw callbacks stored in FAXPIPE_RAW from --from to --to again,
exactly as the processor does (verify, dedupe, normalize, publish the event
or the rejection), after a configuration fix for instance. Safe to repeat:
events already published count as duplicates. T is an RFC 3339 time, a date
or a duration before now (24h). Only callbacks within the dedupe horizon
(streams.dedupe_ttl less a margin) can be replayed: --from defaults to it,
and a --from before it is refused, since faxpipe no longer remembers which
events older callbacks gave. Prints a summary: new events, duplicates,
rejections by reason.`

// Replay is `faxpipe replay`: it replays a range of FAXPIPE_RAW through rp
// and prints the summary to stdout (progress to stderr). It fails if
// callbacks failed for transient faults, or if reading the stream did.
func Replay(ctx context.Context, js jetstream.JetStream, rp replay.Reprocessor, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("replay", replayUsage, stderr)
	filter := filterFlags(fs, false)
	from := fs.String("from", "", "first callback's storage time (default: the dedupe horizon; earlier is refused)")
	to := fs.String("to", "", "last callback's storage time (default: now)")
	rf := declareRunFlags(fs)
	if pos, err := parse(fs, args); err != nil || len(pos) > 0 {
		return badArgs(fs, err, pos)
	}
	now := time.Now()
	r := replay.Range{Provider: filter().Provider, Account: filter().Account}
	var err error
	if r.From, err = parseTime(*from, now); err != nil {
		return err
	}
	if r.To, err = parseTime(*to, now); err != nil {
		return err
	}
	return rf.run(stdout, stderr, "replay", func(opts replay.Options) (replay.Summary, error) {
		return replay.Replay(ctx, js, rp, r, opts)
	})
}
