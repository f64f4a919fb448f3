package ops

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// errUsage is returned after a usage message was printed.
var errUsage = errors.New("usage")

// newFlags is a flag set writing its errors and usage to stderr.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		_, _ = fmt.Fprintf(stderr, "usage: faxpipe %s\n\nFlags:\n", usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, flags and positional arguments in any order, and
// returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, errUsage
			}
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// filterFlags declares the filter flags of fs; the returned function reads
// them once parsed.
func filterFlags(fs *flag.FlagSet, withKind bool) func() consumer.Filter {
	provider := fs.String("provider", "", "only this provider: sfax, gofax, efax or telnyx")
	account := fs.String("account", "", "only this account id")
	var channel, direction, outcome *string
	if withKind {
		channel = fs.String("channel", "", "only this channel: fax or sms")
		direction = fs.String("direction", "", "only this direction: inbound or outbound")
		outcome = fs.String("outcome", "", "only this outcome: received, delivered, failed, ping (events); stored, failed (documents)")
	}
	return func() consumer.Filter {
		f := consumer.Filter{Provider: fax.Provider(*provider), Account: *account}
		if withKind {
			f.Channel, f.Direction, f.Outcome = fax.Channel(*channel), fax.Direction(*direction), *outcome
		}
		return f
	}
}

// parseTime reads a point in time: an RFC 3339 time (2026-11-22T19:04:05Z),
// a date (2026-11-22, midnight UTC), or a duration before now (90m, 24h).
// Empty is the zero time.
func parseTime(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Time{}, fmt.Errorf("time %q: a duration before now must be positive", s)
		}
		return now.Add(-d), nil
	}
	for _, layout := range []string{time.RFC3339Nano, time.DateOnly} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q: want RFC 3339 (2026-11-22T19:04:05Z), a date (2026-11-22) or a duration before now (90m, 24h)", s)
}

// badArgs is the error of a command line that parse refused (nil after
// -h, whose usage was printed) or that has unexpected arguments.
func badArgs(fs *flag.FlagSet, err error, extra []string) error {
	switch {
	case errors.Is(err, errUsage):
		return nil
	case err != nil:
		return err
	}
	fs.Usage()
	return fmt.Errorf("unexpected argument %q", extra[0])
}

// revealOpts are the flags that show personal data in clear: --reveal, and
// --reason, recorded with it.
type revealOpts struct {
	reveal *bool
	reason *string
}

// revealFlags declares --reveal and --reason on fs.
func revealFlags(fs *flag.FlagSet) revealOpts {
	return revealOpts{
		reveal: fs.Bool("reveal", false, "show phone numbers and bodies in clear; recorded in the access audit trail first"),
		reason: fs.String("reason", "", "why you reveal (a ticket, say), recorded with --reveal"),
	}
}

func (o revealOpts) on() bool { return *o.reveal }

// record appends the audit record of actor revealing obj, and returns an
// error (wrapping audit.ErrNotRecorded) when it could not be stored: the
// caller then shows nothing in clear.
func (o revealOpts) record(ctx context.Context, js jetstream.JetStream, actor audit.Actor, action audit.Action, obj audit.Object) error {
	log, err := audit.New(js, actor)
	if err != nil {
		return fmt.Errorf("%w (set audit.actor, or FAXPIPE_AUDIT_ACTOR, to who you are)", err)
	}
	return log.Record(ctx, audit.Entry{Action: action, Object: obj, Purpose: *o.reason})
}
