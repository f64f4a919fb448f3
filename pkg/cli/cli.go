// Package cli is the faxpipe command line: it parses the command, loads the
// configuration and runs the chosen services or tool. The binary's main
// only calls Run.
//
//	faxpipe [-config FILE] ingress|processor|downloader|all
//	faxpipe [-config FILE] sim|demo|tail|replay|rejected|reconcile|audit|doctor [ARGS]
//	faxpipe help [COMMAND]
//
// One binary runs any one service (one Kubernetes Deployment each) or all of
// them in one process (`all`), around an embedded nats-server when no NATS
// URL is configured. The same binary simulates the providers (`sim`), shows
// the whole pipeline at work (`demo`), and serves operators: a live view of
// events (`tail`), replays of raw callbacks (`replay`) and rejections
// (`rejected`).
//
// The package's files: cli.go parses the command line and dispatches;
// services.go is the table of services and how each is built; serve.go runs
// them around the broker; tools.go adapts the tools to the broker and the
// processor; demo.go is `faxpipe demo`; doctor.go is `faxpipe doctor`. It is
// the one place that wires the services and tools together.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/provider"
)

// Run is the whole program: it parses args, loads the configuration and runs
// the chosen command until ctx ends or SIGINT/SIGTERM arrives. A request for
// help (-h, -help or --help anywhere before "--", or `faxpipe help
// [COMMAND]`) prints the usage and returns nil; it needs no configuration.
func Run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	fs := flag.NewFlagSet("faxpipe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { _, _ = fmt.Fprint(stderr, usage()) }
	configPath := fs.String("config", getenv("FAXPIPE_CONFIG"), "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return helpIsNoError(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("expected a command")
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	if cmd == "help" {
		if len(rest) == 0 || wantsHelp(rest[:1]) {
			_, err := fmt.Fprint(stdout, usage())
			return err
		}
		cmd, rest = rest[0], append(slices.Clone(rest[1:]), "-h")
	}
	return dispatch(ctx, cmd, rest, *configPath, getenv, stdout, stderr)
}

// dispatch runs the service or the tool cmd names with its arguments.
func dispatch(ctx context.Context, cmd string, args []string, configPath string, getenv func(string) string, stdout, stderr io.Writer) error {
	svcs, tool := servicesOf(cmd), toolNamed(cmd)
	help := wantsHelp(args)
	switch {
	case svcs == nil && tool == nil:
		_, _ = fmt.Fprint(stderr, usage())
		return fmt.Errorf("unknown command %q", cmd)
	case svcs != nil && help:
		_, err := fmt.Fprint(stderr, serviceUsage(cmd))
		return err
	case svcs != nil && len(args) > 0:
		return fmt.Errorf("faxpipe %s takes no arguments, got %q", cmd, args)
	}
	cfg, cfgErr := loadConfig(configPath, getenv, usesOf(cmd), help)
	switch {
	case cfgErr != nil && tool != nil && reportsConfig[cmd]:
		def := config.Default()
		cfg = &def
	case cfgErr != nil:
		return cfgErr
	}
	level := cfg.Log.Level
	if tool != nil && level == "info" {
		level = "warn" // a tool's output is its own; the log only says what went wrong
	}
	log, err := logging.New(stderr, level, cfg.Log.Format)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if tool != nil {
		return helpIsNoError(tool.run(ctx, toolEnv{cfg: cfg, cfgErr: cfgErr, configPath: configPath, log: log, args: args, help: help, stdout: stdout, stderr: stderr}))
	}
	return serve(ctx, cmd, cfg, log)
}

// reportsConfig are the tools that run even when the configuration does
// not load, to report why among their findings (toolEnv.cfgErr): they get
// the defaults instead.
var reportsConfig = map[string]bool{"doctor": true}

// loadConfig is the configuration of path and getenv, with the secrets of
// uses only. A request for help needs none, so then it falls back to the
// defaults rather than fail: a tool's usage shows the configured defaults
// when there are some.
func loadConfig(path string, getenv func(string) string, uses config.Uses, help bool) (*config.Config, error) {
	cfg, err := config.LoadFor(path, getenv, provider.AccountTypes(), uses)
	if err != nil && help {
		def := config.Default()
		return &def, nil
	}
	return cfg, err
}

// serviceUses are the uses of each service's secrets (config.Uses), beside
// NATS, which every service uses.
var serviceUses = map[string]config.Uses{
	"ingress":    config.UseIngress,
	"processor":  config.UseProcessor,
	"downloader": config.UseDownloader,
	"reconciler": config.UseReconciler,
}

// usesOf is what the command cmd needs secrets for: the process loads
// those and no other (config.LoadFor). `faxpipe all` uses every one; a
// service its own and NATS; a tool what it says. A command unknown here
// uses every one, as `all` does.
func usesOf(cmd string) config.Uses {
	if t := toolNamed(cmd); t != nil {
		return t.uses
	}
	if u, ok := serviceUses[cmd]; ok {
		return u | config.UseNATS
	}
	return config.UseAll
}

// SecretUses is what the command cmd loads secrets for, as it loads its
// configuration (config.LoadFor): for tests that check a deployment gives
// each command the secrets it loads, and only those.
func SecretUses(cmd string) config.Uses { return usesOf(cmd) }

// digesterIfLoaded is the pipeline key's digester (newDigester), or nil
// when the process does not use the key and so did not load it (the
// downloader): no service that uses it accepts a nil one.
func digesterIfLoaded(p config.Pipeline) (*fax.Digester, error) {
	if p.Key.Withheld() {
		return nil, nil
	}
	return newDigester(p)
}

// wantsHelp reports whether args ask for a command's usage: -h, -help or
// --help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// helpIsNoError is err, except that a flag set's flag.ErrHelp (its usage
// was printed, as asked) is nil.
func helpIsNoError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return err
}

// usage is faxpipe's usage, listing the services and the tools.
func usage() string {
	var b strings.Builder
	b.WriteString("usage: faxpipe [-config FILE] COMMAND [ARGS]\n       faxpipe help [COMMAND]\n\nServices:\n")
	for _, s := range services {
		fmt.Fprintf(&b, "  %-12s %s\n", s.name, s.summary)
	}
	fmt.Fprintf(&b, "  %-12s %s\n\nTools:\n", allCommand, allSummary)
	for _, t := range tools {
		fmt.Fprintf(&b, "  %-12s %s\n", t.name, t.summary)
	}
	b.WriteString(`
Every command takes -h. The configuration file may also be given by
FAXPIPE_CONFIG; every scalar setting can be overridden by
FAXPIPE_<SECTION>_<FIELD>, e.g. FAXPIPE_NATS_URL.
`)
	return b.String()
}

// serviceUsage is the usage of the service command cmd.
func serviceUsage(cmd string) string {
	summary := allSummary
	if s := servicesOf(cmd); len(s) == 1 {
		summary = s[0].summary
	}
	return fmt.Sprintf(`usage: faxpipe [-config FILE] %s

  %s

A service takes no arguments: the configuration file (-config or
FAXPIPE_CONFIG) and FAXPIPE_<SECTION>_<FIELD> variables set it up. Its
health and metrics are on admin.listen (/healthz, /readyz, /metrics).
`, cmd, strings.ReplaceAll(summary, "\n               ", "\n  "))
}
