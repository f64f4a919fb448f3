// Package ingress is faxpipe's public face: an Echo server that captures
// each provider callback byte-exact into a raw envelope, verifies it with
// the provider's own check, publishes it to FAXPIPE_RAW, and answers 200
// only once JetStream has acknowledged it. A callback that fails
// verification is answered 401 and only a small record of it is kept, in
// FAXPIPE_FORGED. It keeps no state: any number of replicas can run side
// by side.
package ingress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync/atomic"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"
	"golang.org/x/time/rate"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// Publisher stores a raw envelope durably (stream.Publisher). Publish
// blocks until the stream acknowledged msg (returning its sequence) or
// fails; any error is transient from the provider's point of view. It must
// give up within ingress.publish_timeout: stream.Publisher does on a
// connection whose publish limits say so (the services' connections:
// stream.PublishLimitsOf), so the ingress sets no timer of its own per
// request.
type Publisher interface {
	Publish(ctx context.Context, msg *nats.Msg) (uint64, error)
}

// Deps are what the ingress needs from the rest of the process.
type Deps struct {
	// Publisher stores raw envelopes in FAXPIPE_RAW.
	Publisher Publisher
	// Forged stores the records of refused forgeries in FAXPIPE_FORGED.
	Forged    Publisher
	Accounts  []config.Account
	Callbacks map[fax.Provider]fax.CallbackSpec
	// Verifier is the providers' own check of authenticity, the one the
	// processor applies (provider.NewVerifier), for the same accounts.
	Verifier fax.Verifier
	Digester *fax.Digester
	Log      *zap.Logger
	Registry prometheus.Registerer
	// Tracer traces each callback and passes the trace on in its raw
	// message; nil: tracing off, at no cost.
	Tracer *tracing.Tracer
}

// Server is the ingress. Create it with New and start it with Run.
type Server struct {
	cfg      config.Ingress
	deps     Deps
	echo     *echo.Echo
	accounts map[accountKey]*account
	limits   *limiter
	// forgedBudget bounds the records of forgeries published (forged.go).
	forgedBudget *rate.Limiter
	metrics      *metrics
	ln           net.Listener
	serving      atomic.Bool
}

type accountKey struct {
	provider fax.Provider
	id       string
}

// account is a configured account and what each of its callbacks needs,
// worked out once.
type account struct {
	config.Account
	key  accountKey
	spec fax.CallbackSpec
	// secretParams are the query parameters digested in its envelopes:
	// the provider's and the account's own.
	secretParams []string
	// subject is its raw subject.
	subject string
	// ok counts its callbacks answered 200.
	ok prometheus.Counter
}

// New builds the ingress and its routes. It does not listen yet. Every
// dependency is required: without a Verifier the ingress would store
// forgeries.
func New(cfg config.Ingress, deps Deps) (*Server, error) {
	if deps.Publisher == nil || deps.Forged == nil || deps.Verifier == nil || deps.Digester == nil {
		return nil, errors.New("ingress: a raw publisher, a forged publisher, a verifier and a digester are required")
	}
	m, err := newMetrics(deps.Registry)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:          cfg,
		deps:         deps,
		accounts:     make(map[accountKey]*account, len(deps.Accounts)),
		metrics:      m,
		forgedBudget: newForgedLimiter(),
	}
	keys := make([]accountKey, 0, len(deps.Accounts))
	for _, a := range deps.Accounts {
		key := accountKey{a.Provider, a.ID}
		spec, ok := deps.Callbacks[a.Provider]
		if !ok {
			return nil, fmt.Errorf("ingress: account %s/%s: no callback spec for its provider", a.Provider, a.ID)
		}
		s.accounts[key] = &account{
			Account:      a,
			key:          key,
			spec:         spec,
			secretParams: slices.Concat(spec.SecretQueryParams, a.SecretQueryParams),
			subject:      fax.RawSubject(a.Provider, a.ID),
			ok:           m.requests.WithLabelValues(string(a.Provider), a.ID, "200"),
		}
		keys = append(keys, key)
	}
	s.limits = newLimiter(cfg.RateLimit, keys)
	s.echo, err = s.newEcho()
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Handler is the whole public HTTP surface, for tests and benchmarks.
func (s *Server) Handler() http.Handler { return s.echo }

// Listen binds the public address; Addr is valid afterwards.
func (s *Server) Listen() error {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr is the bound public address (after Listen).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Ready reports an error unless the server is accepting callbacks.
func (s *Server) Ready(context.Context) error {
	if !s.serving.Load() {
		return errors.New("ingress is not serving")
	}
	return nil
}

// Run serves callbacks until ctx ends, then shuts down gracefully: it stops
// accepting connections and waits, up to the configured shutdown timeout,
// for in-flight callbacks to be published and answered.
func (s *Server) Run(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	srv := &http.Server{
		Handler:           s.echo,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          zap.NewStdLog(s.deps.Log.Named("http")),
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	defer stopSweep()
	go s.limits.sweep(sweepCtx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.ln) }()
	s.serving.Store(true)
	s.deps.Log.Info("ingress listening", zap.String("addr", s.ln.Addr().String()))
	select {
	case err := <-errc:
		s.serving.Store(false)
		return err
	case <-ctx.Done():
	}
	s.serving.Store(false)
	s.deps.Log.Info("ingress draining", zap.Duration("timeout", s.cfg.ShutdownTimeout))
	shutdownCtx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Callbacks still waiting past the drain time get no answer; their
		// providers retry. Stopping is still orderly.
		s.deps.Log.Warn("drain time over; closing remaining connections", zap.Error(err))
		_ = srv.Close()
	}
	s.deps.Log.Info("ingress stopped")
	return nil
}
