// Command faxpipe receives fax providers' webhooks and turns them into a
// durable, verified, deduplicated event stream on NATS JetStream.
//
//	faxpipe [-config FILE] ingress|processor|downloader|all
//
// One binary runs any one service (one Kubernetes Deployment each) or all of
// them in one process (`all`), around an embedded nats-server when no NATS
// URL is configured.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/ingress"
	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/processor"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "faxpipe:", err)
		os.Exit(1)
	}
}

const usage = `usage: faxpipe [-config FILE] COMMAND

Commands:
  ingress      the public callback server
  processor    verify, dedupe and normalize raw callbacks
  downloader   fetch and store received fax documents
  all          every service in one process; with no nats.url, on an
               embedded NATS server (127.0.0.1:4222, data in ./data)

The configuration file may also be given by FAXPIPE_CONFIG; every scalar
setting can be overridden by FAXPIPE_<SECTION>_<FIELD>, e.g. FAXPIPE_NATS_URL.
`

// run is the whole program: it parses args, loads the configuration and runs
// the chosen services until ctx ends or SIGINT/SIGTERM arrives.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	fs := flag.NewFlagSet("faxpipe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { _, _ = fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", getenv("FAXPIPE_CONFIG"), "configuration file (YAML)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("expected one command")
	}
	cmd := fs.Arg(0)
	if cmd == "help" {
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	if cmd != "ingress" && cmd != "processor" && cmd != "downloader" && cmd != "all" {
		fs.Usage()
		return fmt.Errorf("unknown command %q", cmd)
	}
	cfg, err := config.Load(*configPath, getenv)
	if err != nil {
		return err
	}
	log, err := logging.New(stderr, cfg.Log.Level, cfg.Log.Format)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	return serve(ctx, cmd, cfg, log)
}

// component is one long-running part of the process.
type component struct {
	name string
	run  func(context.Context) error
}

// serve wires the services of cmd and runs them until ctx ends or one of
// them fails, which stops the others.
func serve(ctx context.Context, cmd string, cfg *config.Config, log *zap.Logger) error {
	for _, a := range cfg.Accounts.Unverified() {
		log.Warn("callback verification is OFF for this account: anyone who knows its URL can inject faxes", zap.String("account", a))
	}
	url := cfg.NATS.URL
	if url == "" {
		if cmd != "all" {
			return &config.FieldError{Field: "nats.url", Msg: "must be set for faxpipe " + cmd + " (only `faxpipe all` embeds a server)"}
		}
		emb, err := stream.StartEmbedded(cfg.NATS.Embedded)
		if err != nil {
			return err
		}
		defer emb.Shutdown()
		url = emb.URL()
		log.Info("embedded nats-server with JetStream started", zap.String("url", url), zap.String("data_dir", cfg.NATS.Embedded.DataDir))
	}
	conn, err := stream.Connect(url, cfg.NATS, cmd, log.Named("nats"),
		jetstreamOpts(cfg)...)
	if err != nil {
		return err
	}
	defer conn.Close(5 * time.Second)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	adm := admin.New(cfg.Admin.Listen, reg)
	if err := adm.Listen(); err != nil {
		return fmt.Errorf("admin.listen: %w", err)
	}
	topo := stream.NewTopology(cfg.Streams)
	digester, err := newDigester(cfg.Pipeline)
	if err != nil {
		return err
	}
	w := wiring{cfg: cfg, conn: conn, log: log, reg: reg, adm: adm, digester: digester}
	comps, err := w.components(cmd)
	if err != nil {
		return err
	}
	// Create the topology before the services start when the broker is up, so
	// they find it; otherwise keep trying in the background, unready.
	ensureCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	ensured := topo.Ensure(ensureCtx, conn.JS) == nil
	cancel()
	comps = append(comps, component{"admin", adm.Run})
	if !ensured {
		comps = append(comps, component{"topology", ensureTopology(topo, conn, log)})
	}
	adm.AddCheck("nats", brokerReady(conn, topo))
	err = runAll(ctx, comps, log)
	log.Info("stopped", zap.String("command", cmd), zap.Error(err))
	return err
}

// wiring is what the services of one process are built from.
type wiring struct {
	cfg      *config.Config
	conn     *stream.Conn
	log      *zap.Logger
	reg      *prometheus.Registry
	adm      *admin.Server
	digester *fax.Digester
}

// components builds the services cmd names, each registered for readiness.
func (w wiring) components(cmd string) ([]component, error) {
	var comps []component
	if cmd == "ingress" || cmd == "all" {
		in, err := w.ingress()
		if err != nil {
			return nil, err
		}
		w.adm.AddCheck("ingress", in.Ready)
		comps = append(comps, component{"ingress", in.Run})
	}
	if cmd == "processor" || cmd == "all" {
		p, err := w.processor()
		if err != nil {
			return nil, err
		}
		w.adm.AddCheck("processor", p.Ready)
		comps = append(comps, component{"processor", p.Run})
	}
	if cmd == "downloader" || cmd == "all" {
		d, err := downloader.New(w.cfg.Downloader, downloader.Deps{
			JS:       w.conn.JS,
			Accounts: w.cfg.Accounts,
			Log:      w.log.Named("downloader"),
			Registry: w.reg,
		})
		if err != nil {
			return nil, err
		}
		w.adm.AddCheck("downloader", d.Ready)
		comps = append(comps, component{"downloader", d.Run})
	}
	return comps, nil
}

func (w wiring) ingress() (*ingress.Server, error) {
	in, err := ingress.New(w.cfg.Ingress, ingress.Deps{
		Publisher: stream.NewPublisher(w.conn, stream.RawStream),
		Accounts:  w.cfg.Accounts.All(),
		Callbacks: provider.Callbacks,
		Digester:  w.digester,
		Log:       w.log.Named("ingress"),
		Registry:  w.reg,
	})
	if err != nil {
		return nil, err
	}
	if err := in.Listen(); err != nil {
		return nil, fmt.Errorf("ingress.listen: %w", err)
	}
	return in, nil
}

func (w wiring) processor() (*processor.Processor, error) {
	adapters, err := provider.NewAdapters(w.cfg.Accounts, w.digester)
	if err != nil {
		return nil, err
	}
	return processor.New(w.cfg.Processor, processor.Deps{
		JS:         w.conn.JS,
		Normalizer: adapters,
		Log:        w.log.Named("processor"),
		Registry:   w.reg,
	})
}

// ensureTopology creates or updates the streams and buckets, retrying until
// the broker answers, then idles: it is a component, and a component that
// returns early stops the process.
func ensureTopology(topo stream.Topology, conn *stream.Conn, log *zap.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		err := topo.EnsureWithRetry(ctx, conn.JS, func(err error) {
			log.Warn("creating streams and buckets; retrying", zap.Error(err))
		})
		if err != nil {
			return nil // ctx ended
		}
		log.Info("streams and buckets ready")
		<-ctx.Done()
		return nil
	}
}

// brokerReady is the readiness of the broker: connected, every stream there.
func brokerReady(conn *stream.Conn, topo stream.Topology) admin.Check {
	return func(ctx context.Context) error {
		if !conn.NC.IsConnected() {
			return errors.New("not connected to NATS")
		}
		return topo.Check(ctx, conn.JS)
	}
}

// runAll runs every component; the first to stop (with or without an error)
// before ctx ends stops the others.
func runAll(ctx context.Context, comps []component, log *zap.Logger) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, c := range comps {
		g.Go(func() error {
			err := c.run(ctx)
			if ctx.Err() == nil {
				if err == nil {
					err = errors.New("stopped unexpectedly")
				}
				log.Error("component failed; stopping", zap.String("component", c.name), zap.Error(err))
				return fmt.Errorf("%s: %w", c.name, err)
			}
			return err
		})
	}
	return g.Wait()
}

// jetstreamOpts bounds asynchronous publishes: how many may be in flight
// before publishers stall, and how long one may wait for its ack.
func jetstreamOpts(cfg *config.Config) []jetstream.JetStreamOpt {
	return []jetstream.JetStreamOpt{
		jetstream.WithPublishAsyncMaxPending(cfg.Ingress.MaxPending),
		jetstream.WithPublishAsyncTimeout(cfg.Ingress.PublishTimeout),
	}
}

// newDigester is the pipeline key's digester, accepting the retired keys.
func newDigester(p config.Pipeline) (*fax.Digester, error) {
	d, err := fax.NewDigester(p.KeyID, []byte(p.Key.Reveal()))
	if err != nil {
		return nil, &config.FieldError{Field: "pipeline.key", Msg: err.Error()}
	}
	previous := make([][]byte, 0, len(p.PreviousKeys))
	for _, k := range p.PreviousKeys {
		previous = append(previous, []byte(k.Reveal()))
	}
	d, err = d.WithPrevious(previous...)
	if err != nil {
		return nil, &config.FieldError{Field: "pipeline.previous_keys", Msg: err.Error()}
	}
	return d, nil
}
