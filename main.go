// Command faxpipe receives fax providers' webhooks and turns them into a
// durable, verified, deduplicated event stream on NATS JetStream.
//
//	faxpipe [-config FILE] ingress|processor|downloader|all
//	faxpipe [-config FILE] sim|demo|tail|replay|rejected [ARGS]
//
// One binary runs any one service (one Kubernetes Deployment each) or all of
// them in one process (`all`), around an embedded nats-server when no NATS
// URL is configured. The same binary simulates the providers (`sim`), shows
// the whole pipeline at work (`demo`), and serves operators: a live view of
// events (`tail`), replays of raw callbacks (`replay`) and rejections
// (`rejected`).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	neturl "net/url"
	"os"
	"os/signal"
	"slices"
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
	"github.com/faxpipe/faxpipe/pkg/opscmd"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/reprocess"
	"github.com/faxpipe/faxpipe/pkg/sim"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/processor"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "faxpipe:", err)
		os.Exit(1)
	}
}

const usage = `usage: faxpipe [-config FILE] COMMAND [ARGS]

Services:
  ingress      the public callback server
  processor    verify, dedupe and normalize raw callbacks
  downloader   fetch and store received fax documents
  all          every service in one process; with no nats.url, on an
               embedded NATS server (127.0.0.1:4222, data in ./data)

Tools (each takes -h):
  sim          simulate Sfax, GoFax and eFax: send callbacks, serve documents
  demo         faxpipe all and the simulator together, events shown live
  tail         live view of fax events and document announcements
  replay       process raw callbacks of a time range again
  rejected     list, show and re-drive rejected callbacks

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
	if fs.NArg() == 0 {
		fs.Usage()
		return errors.New("expected a command")
	}
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	if cmd == "help" {
		_, err := fmt.Fprint(stdout, usage)
		return err
	}
	service := cmd == "ingress" || cmd == "processor" || cmd == "downloader" || cmd == "all"
	tool, isTool := tools[cmd]
	switch {
	case !service && !isTool:
		fs.Usage()
		return fmt.Errorf("unknown command %q", cmd)
	case service && len(rest) > 0:
		return fmt.Errorf("faxpipe %s takes no arguments, got %q", cmd, rest)
	}
	cfg, err := config.Load(*configPath, getenv, provider.AccountTypes())
	if err != nil {
		return err
	}
	level := cfg.Log.Level
	if isTool && level == "info" {
		level = "warn" // a tool's output is its own; the log only says what went wrong
	}
	log, err := logging.New(stderr, level, cfg.Log.Format)
	if err != nil {
		return err
	}
	defer func() { _ = log.Sync() }()
	if isTool {
		return tool(ctx, toolEnv{cfg: cfg, log: log, args: rest, stdout: stdout, stderr: stderr})
	}
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
			JS:        w.conn.JS,
			Accounts:  w.cfg.Accounts,
			Documents: provider.NewDocumentClient,
			Log:       w.log.Named("downloader"),
			Registry:  w.reg,
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
		Publisher: stream.NewPublisher(w.conn, fax.RawStream),
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

// toolEnv is what a tool command runs with.
type toolEnv struct {
	cfg            *config.Config
	log            *zap.Logger
	args           []string
	stdout, stderr io.Writer
}

// tools are the commands that are not services, by name.
var tools = map[string]func(context.Context, toolEnv) error{
	"sim": func(ctx context.Context, e toolEnv) error {
		return sim.Main(ctx, e.cfg, e.args, e.stdout, e.stderr)
	},
	"demo": demo,
	"tail": withBroker(func(ctx context.Context, e toolEnv, conn *stream.Conn) error {
		return opscmd.Tail(ctx, jetStreamOf(conn), e.args, e.stdout, e.stderr)
	}),
	"replay":   withReprocessor(opscmd.Replay),
	"rejected": withReprocessor(opscmd.Rejected),
}

// withBroker connects a tool to the configured NATS, or with no nats.url
// to where `faxpipe all` embeds its server.
func withBroker(f func(context.Context, toolEnv, *stream.Conn) error) func(context.Context, toolEnv) error {
	return func(ctx context.Context, e toolEnv) error {
		url := e.cfg.NATS.URL
		if url == "" {
			emb := e.cfg.NATS.Embedded
			url = fmt.Sprintf("nats://%s:%d", emb.Host, emb.Port)
		}
		if wantsHelp(e.args) {
			return f(ctx, e, nil) // the command prints its usage before it needs a broker
		}
		conn, err := stream.Connect(url, e.cfg.NATS, "tool", e.log.Named("nats"))
		if err != nil {
			return fmt.Errorf("connect to %s: %w", url, err)
		}
		defer conn.Close(5 * time.Second)
		// A tool has no use for a broker that is not there (yet): say so
		// rather than fail on its first request.
		wait, cancel := context.WithTimeout(ctx, e.cfg.NATS.ConnectWait)
		defer cancel()
		if err := poll(wait, func(context.Context) bool { return conn.NC.IsConnected() }); err != nil {
			return fmt.Errorf("no NATS server at %s (is faxpipe running?)", url)
		}
		return f(ctx, e, conn)
	}
}

// jetStreamOf is conn's JetStream, nil for none (a command asked for help).
func jetStreamOf(conn *stream.Conn) jetstream.JetStream {
	if conn == nil {
		return nil
	}
	return conn.JS
}

// wantsHelp reports whether args ask for a command's usage.
func wantsHelp(args []string) bool {
	return slices.ContainsFunc(args, func(a string) bool { return a == "-h" || a == "-help" || a == "--help" })
}

// reprocessCommand is a tool that runs raw callbacks through the processor.
type reprocessCommand func(ctx context.Context, js jetstream.JetStream, rp reprocess.Reprocessor, args []string, stdout, stderr io.Writer) error

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
		adapters, err := provider.NewAdapters(e.cfg.Accounts, digester)
		if err != nil {
			return err
		}
		rp, err := processor.NewReplayer(ctx, e.cfg.Processor, processor.Deps{JS: conn.JS, Normalizer: adapters, Log: e.log.Named("processor")})
		if err != nil {
			return err
		}
		return cmd(ctx, conn.JS, rp, e.args, e.stdout, e.stderr)
	})
}

// demo runs `faxpipe all` on a fresh embedded broker in a temporary
// directory, the simulator sending faxes of every provider to it and
// serving their documents, and `faxpipe tail` showing events and documents
// as they land; it ends when every document is announced, or on timeout.
func demo(ctx context.Context, e toolEnv) error {
	fs := flag.NewFlagSet("faxpipe demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	count := fs.Int("count", 9, "faxes to send, spread over the three providers")
	timeout := fs.Duration("timeout", 90*time.Second, "give up after this long")
	seed := fs.Uint64("seed", demoSeed, "the simulator's seed: the same faxes every time")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cfg, cleanup, err := demoConfig(e.cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	g, ctx := errgroup.WithContext(ctx)
	stop, done := context.WithCancel(ctx)
	g.Go(func() error { return serve(stop, "all", cfg, e.log) })
	if err := awaitReady(ctx, cfg.Admin.Listen); err != nil {
		done()
		return errors.Join(err, g.Wait())
	}
	_, _ = fmt.Fprintf(e.stdout, "faxpipe all is up (embedded NATS, data in %s); the simulator sends %d faxes…\n\n", cfg.NATS.Embedded.DataDir, *count)
	demoEnv := e
	demoEnv.cfg = cfg // the demo's own embedded broker, whatever nats.url says
	g.Go(func() error {
		return withBroker(func(ctx context.Context, e toolEnv, conn *stream.Conn) error {
			return opscmd.Tail(ctx, conn.JS, []string{"--since", "1h"}, e.stdout, e.stderr)
		})(stop, demoEnv)
	})
	g.Go(func() error {
		defer done()
		return demoSend(ctx, cfg, sim.Options{Count: *count, Seed: *seed}, e)
	})
	return g.Wait()
}

// demoSeed makes the demo's nine faxes include a received fax, with its
// document, of every provider.
const demoSeed = 7

// demoConfig is cfg on a fresh embedded broker in a temporary directory.
func demoConfig(cfg *config.Config) (*config.Config, func(), error) {
	dir, err := os.MkdirTemp("", "faxpipe-demo-")
	if err != nil {
		return nil, nil, err
	}
	c := *cfg
	c.NATS.URL = ""
	c.NATS.Embedded.DataDir = dir
	return &c, func() { _ = os.RemoveAll(dir) }, nil
}

// demoSend runs the simulator against the demo's ingress until every
// document it announced is stored or failed, then prints its summary.
func demoSend(ctx context.Context, cfg *config.Config, opts sim.Options, e toolEnv) error {
	target, err := config.LocalURL(cfg.Ingress.Listen)
	if err != nil {
		return err
	}
	api, err := demoAPIAddr(cfg.Accounts)
	if err != nil {
		return err
	}
	opts.Target, opts.APIListen, opts.Concurrency = target, api, 4
	s, err := sim.New(cfg.Accounts, opts, e.log.Named("sim"))
	if err != nil {
		return err
	}
	stopServing, err := s.StartAPI()
	if err != nil {
		return err
	}
	rep, err := s.Run(ctx)
	if err == nil {
		err = awaitDocuments(ctx, cfg, rep)
	}
	err = errors.Join(err, stopServing())
	time.Sleep(500 * time.Millisecond) // let tail print the last announcements
	_, _ = fmt.Fprintln(e.stdout)
	return errors.Join(err, s.Report().WriteSummary(e.stdout))
}

// demoAPIAddr is the one host:port of every account's api_base_url, where
// the simulator serves the providers' APIs.
func demoAPIAddr(a config.Accounts) (string, error) {
	hosts := map[string]bool{}
	for _, u := range a.APIBaseURLs() {
		pu, err := neturl.Parse(u)
		if err != nil {
			return "", err
		}
		hosts[pu.Host] = true
	}
	if len(hosts) != 1 {
		return "", fmt.Errorf("demo: every account's api_base_url must name the simulator's one address, got %v", slices.Sorted(maps.Keys(hosts)))
	}
	for h := range hosts {
		return h, nil
	}
	return "", nil
}

// awaitDocuments waits until FAXPIPE_DOCUMENTS holds an announcement for
// every document rep expects.
func awaitDocuments(ctx context.Context, cfg *config.Config, rep *sim.Report) error {
	var want uint64
	for _, f := range rep.Faxes {
		if f.Acked && f.Document != nil {
			want++
		}
	}
	emb := cfg.NATS.Embedded
	conn, err := stream.Connect(fmt.Sprintf("nats://%s:%d", emb.Host, emb.Port), cfg.NATS, "demo", zap.NewNop())
	if err != nil {
		return err
	}
	defer conn.Close(time.Second)
	return poll(ctx, func(ctx context.Context) bool {
		s, err := conn.JS.Stream(ctx, fax.DocumentsStream)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs >= want
	})
}

// awaitReady waits until the admin server on listen answers /readyz.
func awaitReady(ctx context.Context, listen string) error {
	base, err := config.LocalURL(listen)
	if err != nil {
		return err
	}
	return poll(ctx, func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return false
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
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
