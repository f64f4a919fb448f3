// Package admin serves a process's health and metrics on a port separate
// from the public one: /healthz (the process is up), /readyz (every
// registered check passes) and /metrics (Prometheus).
//
// /readyz answers 200 {"status":"ready","checks":[...]} or 503
// {"status":"not ready","failing":[...]} naming only the failing checks:
// a check's error can carry broker URLs, credentials, internal addresses or
// library texts, so it never goes into the body. It goes to the logger
// given with WithLogger instead, once when a check starts failing or its
// error text changes and again at most every LogEvery while it keeps
// failing, so probes every few seconds do not flood the log.
//
// With WithMetricsToken, /metrics answers only a request carrying
// `Authorization: Bearer <token>` (compared in constant time); the health
// endpoints stay open for the kubelet's probes, and say nothing but the
// names of failing checks.
package admin

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
)

// LogEvery is how often a check failing with an unchanged error is logged
// again.
const LogEvery = time.Minute

// Check reports nil when its component is ready.
type Check func(ctx context.Context) error

// Server is the admin HTTP server. Register checks before Run.
type Server struct {
	addr     string
	registry *prometheus.Registry
	mu       sync.Mutex
	checks   map[string]Check
	ln       net.Listener
	log      *zap.Logger
	logMu    sync.Mutex
	logged   map[string]loggedFailure // by check name, while it fails
	now      func() time.Time
	// metricsToken is the SHA-256 of the bearer token /metrics requires;
	// nil requires none.
	metricsToken []byte
}

// loggedFailure is the last logged failure of a check.
type loggedFailure struct {
	msg string
	at  time.Time
}

// Option configures a Server.
type Option func(*Server)

// WithLogger logs why readiness checks fail to log; nil logs nothing.
func WithLogger(log *zap.Logger) Option {
	return func(s *Server) {
		if log != nil {
			s.log = log
		}
	}
}

// WithMetricsToken makes /metrics require `Authorization: Bearer token`;
// an empty token requires none.
func WithMetricsToken(token string) Option {
	return func(s *Server) {
		if token != "" {
			sum := sha256.Sum256([]byte(token))
			s.metricsToken = sum[:]
		}
	}
}

// New returns an admin server for addr exposing registry.
func New(addr string, registry *prometheus.Registry, opts ...Option) *Server {
	s := &Server{addr: addr, registry: registry, checks: map[string]Check{},
		log: zap.NewNop(), logged: map[string]loggedFailure{}, now: time.Now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// AddCheck registers a readiness check under name.
func (s *Server) AddCheck(name string, c Check) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.checks[name] = c
}

// Handler is the admin HTTP surface.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.authorized(promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry})))
	return mux
}

// authorized serves h only to a request with the metrics token, when one
// is configured; others get 401 and nothing else.
func (s *Server) authorized(h http.Handler) http.Handler {
	if s.metricsToken == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		// Comparing digests keeps the comparison constant-time whatever
		// the lengths.
		sum := sha256.Sum256([]byte(token))
		if !ok || subtle.ConstantTimeCompare(sum[:], s.metricsToken) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="faxpipe-metrics"`)
			writeJSON(w, http.StatusUnauthorized, map[string]string{"status": "unauthorized"})
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	s.mu.Lock()
	names := make([]string, 0, len(s.checks))
	for n := range s.checks {
		names = append(names, n)
	}
	s.mu.Unlock()
	sort.Strings(names)
	var failing []string
	for _, n := range names {
		s.mu.Lock()
		c := s.checks[n]
		s.mu.Unlock()
		err := c(ctx)
		s.noteCheck(n, err)
		if err != nil {
			failing = append(failing, n)
		}
	}
	if len(failing) > 0 {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"status": "not ready", "failing": failing})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "checks": names})
}

// noteCheck logs the result err of check name when it starts failing, fails
// differently, has failed the same way for LogEvery since last logged, or
// passes again.
func (s *Server) noteCheck(name string, err error) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	prev, wasFailing := s.logged[name]
	if err == nil {
		if wasFailing {
			delete(s.logged, name)
			s.log.Info("readiness check passes again", zap.String("check", name))
		}
		return
	}
	now, msg := s.now(), err.Error()
	if wasFailing && prev.msg == msg && now.Sub(prev.at) < LogEvery {
		return
	}
	s.logged[name] = loggedFailure{msg: msg, at: now}
	s.log.Warn("readiness check failing", zap.String("check", name), zap.Error(err))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Listen binds the admin address; Addr is valid afterwards.
func (s *Server) Listen() error {
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", s.addr)
	if err != nil {
		return err
	}
	s.ln = ln
	return nil
}

// Addr is the bound address (after Listen).
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Run serves until ctx ends, then shuts down.
func (s *Server) Run(ctx context.Context) error {
	if s.ln == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(s.ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Register registers each of cs in reg, stopping at the first that fails
// (a name registered twice).
func Register(reg prometheus.Registerer, cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
