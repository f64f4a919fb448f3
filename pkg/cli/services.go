package cli

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/ingress"
	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/apiclient"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/reconciler"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/tracing/otlp"
	"github.com/faxpipe/faxpipe/processor"
)

// service is one of faxpipe's services: `faxpipe NAME` runs it alone,
// `faxpipe all` with every other.
type service struct {
	name, summary string
	build         func(wiring) (runner, error)
}

// runner is a built service: it runs until its context ends and reports
// whether it is ready.
type runner interface {
	Run(context.Context) error
	Ready(context.Context) error
}

// services are every service, in the order they are built and started.
var services = []service{
	{name: "ingress", summary: "the public callback server", build: wiring.ingress},
	{name: "processor", summary: "verify, dedupe and normalize raw callbacks", build: wiring.processor},
	{name: "downloader", summary: "fetch and store received fax documents", build: wiring.downloader},
	{name: "reconciler", summary: "find faxes whose webhook never came, through the providers' APIs", build: wiring.reconciler},
}

// allCommand runs every service in one process.
const (
	allCommand = "all"
	allSummary = "every service in one process; with no nats.url, on an\n" +
		"               embedded NATS server (127.0.0.1:4222, data in ./data)"
)

// servicesOf is the services the command cmd runs: every one for `all`,
// the one it names, or none when cmd is not a service command.
func servicesOf(cmd string) []service {
	if cmd == allCommand {
		return services
	}
	for i, s := range services {
		if s.name == cmd {
			return services[i : i+1]
		}
	}
	return nil
}

// component is one long-running part of the process.
type component struct {
	name string
	run  func(context.Context) error
}

// wiring is what the services of one process are built from.
type wiring struct {
	cfg      *config.Config
	conn     *stream.Conn
	log      *zap.Logger
	reg      *prometheus.Registry
	adm      *admin.Server
	digester *fax.Digester
	traces   *otlp.Exporter // nil: tracing off
}

// components builds the services cmd runs, each registered for readiness.
func (w wiring) components(cmd string) ([]component, error) {
	var comps []component
	for _, s := range servicesOf(cmd) {
		r, err := s.build(w)
		if err != nil {
			return nil, err
		}
		w.adm.AddCheck(s.name, r.Ready)
		comps = append(comps, component{s.name, r.Run})
	}
	return comps, nil
}

func (w wiring) ingress() (runner, error) {
	verifier, err := provider.NewVerifier(w.cfg.Accounts, w.digester)
	if err != nil {
		return nil, err
	}
	in, err := ingress.New(w.cfg.Ingress, ingress.Deps{
		Publisher: stream.NewPublisher(w.conn, fax.RawStream),
		Forged:    stream.NewPublisher(w.conn, fax.ForgedStream),
		Accounts:  w.cfg.Accounts.All(),
		Callbacks: provider.Callbacks,
		Verifier:  verifier,
		Digester:  w.digester,
		Log:       w.log.Named("ingress"),
		Registry:  w.reg,
		Tracer:    w.traces.Tracer("ingress"),
	})
	if err != nil {
		return nil, err
	}
	if err := in.Listen(); err != nil {
		return nil, fmt.Errorf("ingress.listen: %w", err)
	}
	return in, nil
}

func (w wiring) processor() (runner, error) {
	adapters, err := provider.NewNormalizers(w.cfg.Accounts, w.digester)
	if err != nil {
		return nil, err
	}
	p, err := processor.New(w.cfg.Processor, processor.Deps{
		Conn:       w.conn,
		Normalizer: adapters,
		Log:        w.log.Named("processor"),
		Registry:   w.reg,
		Tracer:     w.traces.Tracer("processor"),
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

func (w wiring) downloader() (runner, error) {
	d, err := downloader.New(w.cfg.Downloader, downloader.Deps{
		JS:        w.conn.JS,
		Accounts:  w.cfg.Accounts,
		Documents: provider.NewDocumentClient,
		Log:       w.log.Named("downloader"),
		Registry:  w.reg,
		Tracer:    w.traces.Tracer("downloader"),
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func (w wiring) reconciler() (runner, error) {
	deps, err := w.reconcilerDeps()
	if err != nil {
		return nil, err
	}
	deps.Tracer = w.traces.Tracer("reconciler")
	return reconciler.New(w.cfg.Reconciler, deps)
}

// reconcilerDeps are what the reconciler service and `faxpipe reconcile`
// work with: the providers' listings through the guarded API client, the
// processor's normalizers, and the raw stream.
func (w wiring) reconcilerDeps() (reconciler.Deps, error) {
	hc, err := apiclient.New(apiclient.Options{
		RequestTimeout: w.cfg.Reconciler.RequestTimeout, StallTimeout: w.cfg.Downloader.StallTimeout,
		AllowPrivateNetworks: w.cfg.Downloader.AllowPrivateNetworks, MaxConnsPerHost: 2,
	}, w.cfg.Accounts.APIBaseURLs(), nil)
	if err != nil {
		return reconciler.Deps{}, err
	}
	listers, err := provider.NewListers(w.cfg.Accounts, docfetch.Options{HTTP: hc})
	if err != nil {
		return reconciler.Deps{}, err
	}
	normalizers, err := provider.NewNormalizers(w.cfg.Accounts, w.digester)
	if err != nil {
		return reconciler.Deps{}, err
	}
	return reconciler.Deps{
		JS:         w.conn.JS,
		Publisher:  stream.NewPublisher(w.conn, fax.RawStream),
		Listers:    listers,
		Normalizer: normalizers,
		Digester:   w.digester,
		Accounts:   w.cfg.Accounts,
		DedupeTTL:  w.cfg.Streams.DedupeTTL,
		Log:        w.log.Named("reconciler"),
		Registry:   w.reg,
	}, nil
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
