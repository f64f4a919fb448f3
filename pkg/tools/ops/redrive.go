package ops

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/tools/replay"
)

// redrive is `faxpipe rejected redrive`: the rejections named by sequence,
// or selected by the filter flags, processed again through rp.
func redrive(ctx context.Context, js jetstream.JetStream, rp replay.Reprocessor, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("rejected redrive", rejectedUsage, stderr)
	selection := rejectionFlags(fs)
	rf := declareRunFlags(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return badArgs(fs, err, nil)
	}
	f, err := selection()
	if err != nil {
		return err
	}
	rejections, err := selectRejections(ctx, js, pos, f)
	if err != nil {
		return err
	}
	return rf.run(stdout, stderr, "re-drive", func(opts replay.Options) (replay.Summary, error) {
		return replay.Redrive(ctx, js, rp, rejections, opts)
	})
}

// selectRejections reads the rejections of seqs, or, with none, those f
// selects (which must then say something: re-driving everything is
// `faxpipe replay`).
func selectRejections(ctx context.Context, js jetstream.JetStream, seqArgs []string, f replay.RejectionFilter) ([]replay.Rejection, error) {
	if len(seqArgs) > 0 {
		if f != (replay.RejectionFilter{}) {
			return nil, errors.New("give sequences or --reason/--since/--provider/--account, not both")
		}
		seqs, err := parseSeqs(seqArgs)
		if err != nil {
			return nil, err
		}
		out := make([]replay.Rejection, 0, len(seqs))
		for _, seq := range seqs {
			r, err := replay.GetRejection(ctx, js, seq)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, nil
	}
	if f.Reason == "" && f.Since.IsZero() {
		return nil, fmt.Errorf("name rejections by sequence, or select them with --reason (and --since, --provider, --account)")
	}
	var out []replay.Rejection
	err := replay.Rejections(ctx, js, f, func(r replay.Rejection) error {
		out = append(out, r)
		return nil
	})
	return out, err
}
