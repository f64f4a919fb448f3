package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	neturl "net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/tracing/otlp"
)

// serve wires the services of cmd and runs them until ctx ends or one of
// them fails, which stops the others.
func serve(ctx context.Context, cmd string, cfg *config.Config, log *zap.Logger) error {
	for _, a := range cfg.Accounts.Unverified() {
		log.Warn("callback verification is OFF for this account: anyone who knows its URL can inject faxes", zap.String("account", a))
	}
	url := brokerURL(cfg.NATS)
	if cfg.NATS.URL == "" {
		if cmd != allCommand {
			return &config.FieldError{Field: "nats.url", Msg: "must be set for faxpipe " + cmd + " (only `faxpipe all` embeds a server)"}
		}
		emb, err := stream.StartEmbedded(cfg.NATS.Embedded)
		if err != nil {
			return err
		}
		defer emb.Shutdown()
		enc := cfg.NATS.Embedded.Encryption
		log.Info("embedded nats-server with JetStream started", zap.String("url", url), zap.String("data_dir", cfg.NATS.Embedded.DataDir),
			zap.Bool("encrypted", enc.Key.IsSet()), zap.String("cipher", enc.Cipher))
		if !enc.Key.IsSet() {
			log.Warn("the embedded nats-server stores faxes, phone numbers and documents in clear: set nats.embedded.encryption.key")
		}
	}
	role := roleOf(cmd)
	natsCfg := cfg.NATS
	if natsCfg.InboxPrefix == "" {
		natsCfg.InboxPrefix = role.InboxPrefix()
	}
	conn, err := stream.Connect(url, natsCfg, cmd, log.Named("nats"))
	if err != nil {
		return err
	}
	conn.Limits = stream.PublishLimitsOf(cfg.Ingress)
	defer conn.Close(5 * time.Second)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	adm := admin.New(cfg.Admin.Listen, reg, admin.WithLogger(log.Named("admin")),
		admin.WithMetricsToken(cfg.Admin.MetricsToken.Reveal()))
	if err := adm.Listen(); err != nil {
		return fmt.Errorf("admin.listen: %w", err)
	}
	// Each service looks at (and, if it owns them, creates) only the streams
	// its NATS user may use.
	topo := stream.NewTopology(cfg.Streams).For(role.Streams())
	digester, err := digesterIfLoaded(cfg.Pipeline)
	if err != nil {
		return err
	}
	traces, err := otlp.New(ctx, cfg.Tracing, log.Named("tracing"))
	if err != nil {
		return err
	}
	defer flushTraces(traces, log)
	w := wiring{cfg: cfg, conn: conn, log: log, reg: reg, adm: adm, digester: digester, traces: traces}
	comps, err := w.components(cmd)
	if err != nil {
		return err
	}
	// Have the topology before the services start when the broker is up, so
	// they find it; otherwise keep trying in the background, unready.
	ensureCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	prov := &stream.Provision{Topology: topo, Conn: conn, Owner: role.OwnsTopology(), OnDenied: topologyDenied(role, log)}
	ensured := prov.Provide(ensureCtx) == nil
	cancel()
	usage, err := stream.NewUsage(conn.JS, role.Streams(), reg, log.Named("streams"))
	if err != nil {
		return err
	}
	comps = append(comps, component{"admin", adm.Run}, component{"stream-usage", usage.Run})
	if !ensured {
		comps = append(comps, component{"topology", ensureTopology(prov, log)})
	}
	adm.AddCheck("nats", brokerReady(conn, topo))
	err = runAll(ctx, comps, log)
	log.Info("stopped", zap.String("command", cmd), zap.Error(err))
	return err
}

// flushTraces sends the spans not sent yet, for at most five seconds.
func flushTraces(traces *otlp.Exporter, log *zap.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := traces.Shutdown(ctx); err != nil {
		log.Warn("tracing: spans not flushed", zap.Error(err))
	}
}

// brokerURL is the NATS of n: nats.url, or with none the client URL of the
// embedded server, where `faxpipe all` starts it and the tools find it.
func brokerURL(n config.NATS) string {
	if n.URL != "" {
		return n.URL
	}
	u := neturl.URL{Scheme: "nats", Host: net.JoinHostPort(n.Embedded.Host, strconv.Itoa(n.Embedded.Port))}
	return u.String()
}

// redactedURLs is urls (comma-separated) with every URL's user information
// replaced by "xxxxx", for messages people read.
func redactedURLs(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		parts[i] = config.RedactURL(strings.TrimSpace(p))
	}
	return strings.Join(parts, ",")
}

// roleOf is the NATS role of the command cmd: the service's own, admin for
// `faxpipe all`.
func roleOf(cmd string) stream.Role {
	if r, err := stream.ParseRole(cmd); err == nil {
		return r
	}
	return stream.RoleAdmin
}

// topologyDenied logs, once, that this process's NATS user may not create
// or update the streams and buckets: expected for every role but the
// processor's and admin's, which own them.
func topologyDenied(role stream.Role, log *zap.Logger) func(error) {
	return func(err error) {
		msg := "this NATS user may not create or update the streams and buckets; waiting for the processor (or `faxpipe all`) to create them, unready until then"
		if role.OwnsTopology() {
			msg = "this NATS user may not create or update the streams and buckets, yet the " + string(role) + " owns them: give it the " + string(role) + " role's permissions; using the streams as they are"
		}
		log.Warn(msg, zap.String("role", string(role)), zap.Error(err))
	}
}

// ensureTopology has the streams and buckets (stream.Provision),
// retrying until the broker answers and they exist, then idles: it is a
// component, and a component that returns early stops the process.
func ensureTopology(prov *stream.Provision, log *zap.Logger) func(context.Context) error {
	return func(ctx context.Context) error {
		err := prov.ProvideWithRetry(ctx, func(err error) {
			log.Warn("waiting for the streams and buckets; retrying", zap.Error(err))
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
