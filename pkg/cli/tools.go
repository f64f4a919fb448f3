package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/reconciler"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/tools/ops"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/processor"
)

// toolEnv is what a tool command runs with.
type toolEnv struct {
	cfg *config.Config
	// cfgErr is why the configuration did not load, for a tool that
	// reports it (reportsConfig); cfg then holds the defaults.
	cfgErr         error
	configPath     string // the -config file, "" for none
	log            *zap.Logger
	args           []string
	help           bool // args ask for the usage: print it, connect to nothing
	stdout, stderr io.Writer
}

// tool is a command that is not a service. uses are what it needs
// secrets for: it loads those and no other (config.LoadFor).
type tool struct {
	name, summary string
	uses          config.Uses
	run           func(context.Context, toolEnv) error
}

// What the tools load: the simulator plays the providers with the
// accounts' secrets; replay and rejected reprocess as the processor does;
// reconcile lists and seals as the reconciler does; tail only reads
// NATS; the demo is `faxpipe all` and the simulator.
const (
	simUses       = config.UseSimulator
	reprocessUses = config.UseProcessor | config.UseNATS
	reconcileUses = config.UseReconciler | config.UseNATS
	tailUses      = config.UseNATS
	// doctorUses: the doctor reads the broker and calls the providers'
	// APIs with the downloader's credentials (Sfax's token is made of all
	// three of its secrets); it verifies no callback.
	doctorUses = config.UseNATS | config.UseDownloader
	demoUses   = config.UseAll | config.UseOwnBroker // the demo embeds its own broker, whatever nats.url says
)

// tools are the commands that are not services, in the usage's order.
var tools = []tool{
	{"sim", "simulate Sfax, GoFax, eFax and Telnyx: send callbacks, serve their APIs", simUses, func(ctx context.Context, e toolEnv) error {
		return sim.Main(ctx, e.cfg, provider.Sims, e.args, e.stdout, e.stderr)
	}},
	{"demo", "faxpipe all and the simulator together, events shown live", demoUses, demo},
	{"tail", "live view of fax events and document announcements", tailUses, withBroker(func(ctx context.Context, e toolEnv, conn *stream.Conn) error {
		return ops.Tail(ctx, jetStreamOf(conn), toolActor(e.cfg, "faxpipe tail"), e.args, e.stdout, e.stderr)
	})},
	{"replay", "process raw callbacks of a time range again", reprocessUses, withReprocessor(ops.Replay)},
	{"rejected", "list, show and re-drive rejected callbacks", reprocessUses, rejectedTool},
	{"reconcile", "find and feed in faxes whose webhook never came, over a time range", reconcileUses, reconcileTool},
	{"audit", "list the access audit trail: who read documents or revealed personal data", tailUses, withBroker(func(ctx context.Context, e toolEnv, conn *stream.Conn) error {
		return ops.Audit(ctx, jetStreamOf(conn), e.args, e.stdout, e.stderr)
	})},
	{"doctor", "check the configuration, the broker and every account's provider API, end to end", doctorUses, doctorTool},
}

// toolNamed is the tool called name, nil for none.
func toolNamed(name string) *tool {
	for i := range tools {
		if tools[i].name == name {
			return &tools[i]
		}
	}
	return nil
}

// withBroker connects a tool to the configured NATS, or with no nats.url
// to where `faxpipe all` embeds its server. Asked for help, it connects to
// nothing and passes a nil conn: the command prints its usage.
func withBroker(f func(context.Context, toolEnv, *stream.Conn) error) func(context.Context, toolEnv) error {
	return func(ctx context.Context, e toolEnv) error {
		if e.help {
			return f(ctx, e, nil)
		}
		conn, err := connectBroker(ctx, e)
		if err != nil {
			return err
		}
		defer conn.Close(5 * time.Second)
		return f(ctx, e, conn)
	}
}

// connectBroker connects a tool to the configured NATS, or with no
// nats.url to where `faxpipe all` embeds its server, and waits up to
// nats.connect_wait for the connection: a tool has no use for a broker
// that is not there (yet), so it says so rather than fail on its first
// request. The caller closes the connection.
func connectBroker(ctx context.Context, e toolEnv) (*stream.Conn, error) {
	url := brokerURL(e.cfg.NATS)
	conn, err := stream.Connect(url, e.cfg.NATS, "tool", e.log.Named("nats"))
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", redactedURLs(url), err)
	}
	wait, cancel := context.WithTimeout(ctx, e.cfg.NATS.ConnectWait)
	defer cancel()
	if err := poll(wait, func(context.Context) bool { return conn.NC.IsConnected() }); err != nil {
		conn.Close(time.Second)
		return nil, fmt.Errorf("no NATS server at %s (is faxpipe running?)", redactedURLs(url))
	}
	return conn, nil
}

// jetStreamOf is conn's JetStream, nil for none (a command asked for help).
func jetStreamOf(conn *stream.Conn) jetstream.JetStream {
	if conn == nil {
		return nil
	}
	return conn.JS
}

// reprocessCommand is a tool that runs raw callbacks through the processor.
type reprocessCommand func(ctx context.Context, js jetstream.JetStream, rp replay.Reprocessor, args []string, stdout, stderr io.Writer) error

// withReprocessor gives cmd the processor's own processing, built from the
// configured accounts and pipeline key.
func withReprocessor(cmd reprocessCommand) func(context.Context, toolEnv) error {
	return withBroker(func(ctx context.Context, e toolEnv, conn *stream.Conn) error {
		if conn == nil { // help only
			return cmd(ctx, nil, nil, e.args, e.stdout, e.stderr)
		}
		digester, err := newDigester(e.cfg.Pipeline)
		if err != nil {
			return err
		}
		adapters, err := provider.NewNormalizers(e.cfg.Accounts, digester)
		if err != nil {
			return err
		}
		rp, err := processor.NewReplayer(ctx, processor.Deps{Conn: conn, Normalizer: adapters, Log: e.log.Named("processor")})
		if err != nil {
			return err
		}
		return cmd(ctx, conn.JS, replay.FromProcessor(rp), e.args, e.stdout, e.stderr)
	})
}

// rejectedTool is `faxpipe rejected`, its reveals recorded as the tool
// user's (toolActor).
func rejectedTool(ctx context.Context, e toolEnv) error {
	return withReprocessor(func(ctx context.Context, js jetstream.JetStream, rp replay.Reprocessor, args []string, stdout, stderr io.Writer) error {
		return ops.Rejected(ctx, js, rp, toolActor(e.cfg, "faxpipe rejected"), args, stdout, stderr)
	})(ctx, e)
}

// toolActor is who a tool's reveals are recorded as in the audit trail:
// audit.actor, else the OS user (see audit.LocalActor). With neither, the
// actor has no name, and a reveal is refused saying so.
func toolActor(cfg *config.Config, program string) audit.Actor {
	a, err := audit.LocalActor(cfg.Audit.Actor, program)
	if err != nil {
		return audit.Actor{Program: program}
	}
	return a
}

// reconcileTool is `faxpipe reconcile`: the reconciler's one-shot over a
// range, with the service's own listings and normalizers.
func reconcileTool(ctx context.Context, e toolEnv) error {
	return withBroker(func(ctx context.Context, e toolEnv, conn *stream.Conn) error {
		if conn == nil { // help only
			return ops.Reconcile(ctx, nil, e.args, e.stdout, e.stderr)
		}
		digester, err := newDigester(e.cfg.Pipeline)
		if err != nil {
			return err
		}
		w := wiring{cfg: e.cfg, conn: conn, log: e.log, reg: prometheus.NewRegistry(), digester: digester}
		deps, err := w.reconcilerDeps()
		if err != nil {
			return err
		}
		run := func(ctx context.Context, opts reconciler.RangeOptions) (reconciler.Tally, error) {
			return reconciler.Range(ctx, deps, e.cfg.Reconciler, opts)
		}
		return ops.Reconcile(ctx, run, e.args, e.stdout, e.stderr)
	})(ctx, e)
}

// poll calls ok every 200 ms until it is true, or returns ctx's error.
func poll(ctx context.Context, ok func(context.Context) bool) error {
	for !ok(ctx) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
