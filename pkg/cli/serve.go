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

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
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
	adm := admin.New(cfg.Admin.Listen, reg, admin.WithLogger(log.Named("admin")),
		admin.WithMetricsToken(cfg.Admin.MetricsToken.Reveal()))
	if err := adm.Listen(); err != nil {
		return fmt.Errorf("admin.listen: %w", err)
	}
	topo := stream.NewTopology(cfg.Streams)
	digester, err := digesterIfLoaded(cfg.Pipeline)
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
