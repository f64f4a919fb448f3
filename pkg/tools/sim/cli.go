package sim

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// ErrGivenUp is returned by Main when a callback never got its 200 (given
// up or suspended) and -allow-give-up is not set.
var ErrGivenUp = errors.New("callbacks given up")

// cliFlags are the flags of Main that are not Options.
type cliFlags struct {
	providers, kinds, format, report string
	serveOnly, allowGiveUp           bool
	linger                           time.Duration
}

// Main is `faxpipe [-config FILE] sim [flags]`: it sends callbacks to
// faxpipe as the providers sims simulate (see New), signed with cfg's
// accounts, serves the document API meanwhile
// and for -linger after, prints a summary to stdout and, with -report
// FILE, writes the JSON Report. With -serve-only it only serves the API,
// until ctx ends. It returns ErrGivenUp (so the process exits non-zero)
// when a callback never got its 200, unless -allow-give-up.
func Main(ctx context.Context, cfg *config.Config, sims []Provider, args []string, stdout, stderr io.Writer) error {
	opts, cli, err := parseArgs(cfg, sims, args, stderr)
	if err != nil {
		return err
	}
	log, err := logging.New(stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	s, err := New(sims, cfg.Accounts, *opts, log.Named("sim"))
	if err != nil {
		return err
	}
	warnElsewhere(s.log, s.Accounts(), opts.APIListen)
	rep, runErr := run(ctx, s, cli)
	if err := cli.output(rep, stdout); err != nil {
		return err
	}
	switch {
	case runErr != nil && !errors.Is(runErr, context.Canceled):
		return runErr
	case !cli.allowGiveUp && len(rep.GivenUp()) > 0:
		return fmt.Errorf("sim: %d %w", len(rep.GivenUp()), ErrGivenUp)
	}
	return nil
}

// parseArgs reads Main's flags into options.
func parseArgs(cfg *config.Config, sims []Provider, args []string, stderr io.Writer) (*Options, *cliFlags, error) {
	fs := flag.NewFlagSet("faxpipe sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	opts, cli := bindFlags(fs, cfg, sims)
	if err := fs.Parse(args); err != nil {
		return nil, nil, err
	}
	if fs.NArg() > 0 {
		return nil, nil, fmt.Errorf("sim: unexpected arguments %q", fs.Args())
	}
	cli.apply(opts, fs)
	if cli.serveOnly {
		if opts.APIListen == "" {
			return nil, nil, errors.New("sim: -serve-only needs an -api-listen address")
		}
		opts.Count, opts.Rate = 0, 0
	}
	return opts, cli, nil
}

// warnElsewhere warns about accounts whose api_base_url is not on the
// port the API listens on: faxpipe would fetch their documents elsewhere.
func warnElsewhere(log *zap.Logger, accounts config.Accounts, listen string) {
	_, port, err := net.SplitHostPort(listen)
	if err != nil {
		return
	}
	for _, base := range accounts.APIBaseURLs() {
		u, err := url.Parse(base)
		if err == nil && u.Port() != port {
			log.Warn("an account's api_base_url is not this simulator's API: faxpipe will fetch its documents there",
				zap.String("api_base_url", base), zap.String("api_listen", listen))
		}
	}
}

// run serves the API (when it has an address) while sending, then for the
// linger time, and returns the final report.
func run(ctx context.Context, s *Simulator, cli *cliFlags) (*Report, error) {
	stopAPI := func() error { return nil }
	if s.opts.APIListen != "" {
		var err error
		if stopAPI, err = s.StartAPI(); err != nil {
			return nil, err
		}
	}
	var runErr error
	if cli.serveOnly {
		s.log.Info("serving the providers' APIs until stopped (Ctrl-C)", zap.String("api_listen", s.opts.APIListen))
		<-ctx.Done()
	} else {
		_, runErr = s.Run(ctx)
		if s.opts.APIListen != "" {
			sleep(ctx, cli.linger)
		}
	}
	serveErr := stopAPI()
	return s.Report(), errors.Join(runErr, serveErr)
}

// output prints the summary and writes the JSON report.
func (c *cliFlags) output(rep *Report, stdout io.Writer) error {
	if rep == nil {
		return nil
	}
	if err := rep.WriteSummary(stdout); err != nil {
		return err
	}
	if c.report == "" {
		return nil
	}
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("sim: report: %w", err)
	}
	if err := os.WriteFile(c.report, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("sim: report: %w", err)
	}
	return nil
}

// bindFlags defines Main's flags on fs, defaults from cfg and sims.
func bindFlags(fs *flag.FlagSet, cfg *config.Config, sims []Provider) (*Options, *cliFlags) {
	o, c := &Options{}, &cliFlags{}
	fs.StringVar(&o.Target, "target", defaultTarget(cfg.Ingress.Listen), "faxpipe's public base URL (callbacks go to TARGET/callbacks/…)")
	fs.StringVar(&o.APIListen, "api-listen", "127.0.0.1:9601", "address of the simulated providers' APIs (documents, listings); empty for none")
	fs.StringVar(&c.providers, "providers", joinNames(sims), "providers to send as, comma-separated")
	fs.StringVar(&c.kinds, "kinds", strings.Join(AllKinds, ","), "kinds to send, comma-separated: fax-in, fax-out, sms (GoFax), ping (eFax)")
	fs.IntVar(&o.Count, "count", 10, "faxes to send (with -rate: at most this many; 0 for no limit)")
	fs.Float64Var(&o.Rate, "rate", 0, "faxes per second (with -duration)")
	fs.DurationVar(&o.Duration, "duration", 0, "how long to send at -rate")
	fs.IntVar(&o.Concurrency, "concurrency", 8, "callback requests in flight at most")
	fs.IntVar(&o.MaxPending, "max-pending", 10000, "faxes being delivered (retry waits included) at most")
	fs.Float64Var(&o.DuplicateRate, "duplicates", 0, "share of callbacks sent again after their 200")
	fs.Float64Var(&o.OutOfOrderRate, "out-of-order", 0, "share of callbacks held back behind later ones")
	fs.Float64Var(&o.FailRate, "fail-rate", 0.1, "share of faxes that fail (outbound) or arrive partial (GoFax INCOMPLETE, Sfax faxsuccess=0); negative for none")
	fs.Float64Var(&o.LoseRate, "lose-rate", 0, "share of received faxes whose webhook is never sent (providers with a listing API only), for reconciliation to recover")
	fs.Float64Var(&o.RetryScale, "retry-scale", 1, "multiplier of the providers' retry delays (0.01: Sfax's 2 min become 1.2 s)")
	fs.DurationVar(&o.CallbackTimeout, "callback-timeout", 0, "timeout of one callback request (default: the provider's, 15 s Sfax, 30 s GoFax and eFax, 10 s Telnyx)")
	fs.IntVar(&o.SfaxSuspendAfter, "sfax-suspend-after", 20, "consecutive failed attempts that suspend an Sfax account's callbacks; negative: never")
	fs.Float64Var(&o.SfaxRawTokenRate, "sfax-raw-tokens", 0, "share of Sfax tokens sent not percent-encoded ('+' arrives as a space)")
	fs.BoolVar(&o.GoFaxQueryFields, "gofax-query-fields", false, "GoFax: append the fields to the callback URL's query too")
	fs.StringVar(&c.format, "format", orString(cfg.Downloader.Format, "pdf"), "document format the downloader asks for (pdf, tiff), for the report")
	fs.Float64Var(&o.Faults.ErrorRate, "fault-error-rate", 0, "share of document requests answered 5xx")
	fs.Float64Var(&o.Faults.TooManyRate, "fault-429-rate", 0, "share of document requests answered 429 with Retry-After")
	fs.DurationVar(&o.Faults.RetryAfter, "fault-retry-after", time.Second, "Retry-After of a 429 (whole seconds)")
	fs.DurationVar(&o.Faults.Latency, "fault-latency", 0, "latency added to every document answer")
	fs.Float64Var(&o.Faults.StallRate, "fault-stall-rate", 0, "share of document answers that send half the body, then stall")
	fs.IntVar(&o.Faults.NotYetAvailable, "fault-not-yet", 0, "first fetches of each document answered as not available yet")
	fs.Uint64Var(&o.Seed, "seed", 0, "seed of a reproducible run (0: random)")
	fs.DurationVar(&c.linger, "linger", 30*time.Second, "keep serving the APIs this long after sending")
	fs.BoolVar(&c.serveOnly, "serve-only", false, "only serve the providers' APIs, until stopped")
	fs.StringVar(&c.report, "report", "", "write the JSON report to this file")
	fs.BoolVar(&c.allowGiveUp, "allow-give-up", false, "exit 0 even if callbacks were given up")
	return o, c
}

// apply sets the options that flags give as text, and drops the default
// count when only a rate and duration were given.
func (c *cliFlags) apply(o *Options, fs *flag.FlagSet) {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if o.Rate > 0 && o.Duration > 0 && !set["count"] {
		o.Count = 0
	}
	o.Providers = nil
	for _, p := range splitList(c.providers) {
		o.Providers = append(o.Providers, fax.Provider(p))
	}
	o.Kinds = splitList(c.kinds)
	o.Format = docfetch.Format(strings.ToLower(c.format))
	if o.FailRate == 0 {
		o.FailRate = -1 // an explicit 0 means none; Options' zero means the default
	}
}

// defaultTarget is the ingress's listen address as a loopback URL.
func defaultTarget(listen string) string {
	u, err := config.LocalURL(listen)
	if err != nil {
		return "http://127.0.0.1:8080"
	}
	return u
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(strings.ToLower(p)); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func orString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// joinNames is the names of sims, comma-separated.
func joinNames(sims []Provider) string {
	var b strings.Builder
	for i, p := range names(sims) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(string(p))
	}
	return b.String()
}
