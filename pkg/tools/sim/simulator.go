// Package sim simulates the fax providers faxpipe speaks to, so that
// faxpipe can be run, tested and measured without a real provider. This
// package is the simulator's core; each provider's behaviour (its
// callbacks, its document API, its retry policy) is a Provider that lives
// in the provider's own folder (pkg/provider/<name>/<name>sim) and is
// handed to New.
//
// A Simulator sends callbacks to faxpipe's ingress exactly as each provider
// does (methods, fields, number formats, signatures made with the accounts
// of faxpipe's own configuration), with each provider's retry policy, and
// with configurable duplicates and reordering. It serves each provider's
// document API (tokens and downloads, with credentials checked as the
// provider would) with documents generated on the fly — valid PDFs and
// multi-page TIFFs, a pure function of (provider, account, fax id) — and
// injects faults into it. Its Report says what was sent and what faxpipe
// should have made of it: one event per acknowledged fax, and the
// document it should have stored.
package sim

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/semaphore"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// Simulator sends provider callbacks to faxpipe and serves the providers'
// document APIs. Build it with New; ListenAPI and ServeAPI run the API,
// Run sends. Its methods are safe for concurrent use, except that Run
// must not run twice at once.
type Simulator struct {
	opts     Options
	log      *zap.Logger
	sims     []Provider
	accounts config.Accounts // the simulator's own copy
	gen      *generator
	del      *deliverer
	api      *API
	ln       net.Listener
	started  time.Time

	mu    sync.Mutex
	faxes []Fax
}

// New returns a simulator of the configured accounts with opts, sending
// as the providers sims simulate (in main, provider.Sims: one for each
// provider of the registry). Options.Providers defaults to every one of
// sims, in their order. It fails on invalid options, on a chosen provider
// that sims lack, or when a chosen provider has no account.
func New(sims []Provider, accounts config.Accounts, opts Options, log *zap.Logger) (*Simulator, error) {
	opts = opts.defaults(sims)
	if err := opts.validate(sims); err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	if opts.Seed == 0 {
		opts.Seed = randomSeed()
	}
	if log == nil {
		log = zap.NewNop()
	}
	s := &Simulator{opts: opts, log: log, sims: sims, accounts: accounts.Clone(), started: time.Now()}
	gen, err := newGenerator(sims, s.accounts, opts)
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	s.gen = gen
	s.del = &deliverer{
		target:   trimTarget(opts.Target),
		client:   callbackClient(opts.Concurrency),
		requests: semaphore.NewWeighted(int64(opts.Concurrency)),
		suspend:  &suspensions{after: opts.SfaxSuspendAfter},
		log:      log,
	}
	s.api = newAPI(s)
	return s, nil
}

// ExpectedDocument is the document the simulator's API serves for the
// fax of provider p, account and faxID when asked for format f (a
// provider without a format choice serves the fax's own, PDF or TIFF). It
// is a pure function of its arguments and the provider, whichever
// simulator instance serves it.
func (s *Simulator) ExpectedDocument(p fax.Provider, account, faxID string, f docfetch.Format) Document {
	for _, ps := range s.sims {
		if spec := ps.Spec(); spec.Name == p && !spec.FormatChoice {
			f = ""
		}
	}
	return expectedDocument(docKey{p, account, faxID}, f)
}

func randomSeed() uint64 {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return binary.BigEndian.Uint64(b[:]) | 1
}

// callbackClient is the HTTP client of callbacks: keep-alive connections
// for every concurrent request, and no redirect followed (a redirect is
// not a 200, so it is retried like any failure).
func callbackClient(concurrency int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = max(100, concurrency)
	tr.MaxIdleConnsPerHost = concurrency
	return &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Options returns the options in force: defaults applied and the seed
// drawn when none was given.
func (s *Simulator) Options() Options { return s.opts }

// Accounts returns the accounts as the simulator uses them: with their
// api_base_url rewritten to the API's URL after ListenAPI when
// Options.RewriteAPIBaseURL is set.
func (s *Simulator) Accounts() config.Accounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts.Clone()
}

// ListenAPI binds the document API to Options.APIListen (":0" picks a
// free port; APIAddr then tells it). Call it before Run when
// RewriteAPIBaseURL is set, so callbacks name the API's URL.
func (s *Simulator) ListenAPI() error {
	if s.opts.APIListen == "" {
		return errors.New("sim: no API listen address")
	}
	ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", s.opts.APIListen)
	if err != nil {
		return fmt.Errorf("sim: API listen: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ln = ln
	if s.opts.RewriteAPIBaseURL {
		u := "http://" + ln.Addr().String()
		for _, acc := range s.accounts {
			acc.Base().APIBaseURL = u
		}
	}
	return nil
}

// APIAddr is the address the API listens on ("" before ListenAPI).
func (s *Simulator) APIAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// APIURL is the API's base URL, http://{APIAddr} ("" before ListenAPI).
func (s *Simulator) APIURL() string {
	if a := s.APIAddr(); a != "" {
		return "http://" + a
	}
	return ""
}

// ServeAPI serves the document API on the listener of ListenAPI until ctx
// ends, then releases stalled answers and shuts the server down (waiting
// up to 5 s for answers in progress). It returns nil once stopped by ctx.
func (s *Simulator) ServeAPI(ctx context.Context) error {
	s.mu.Lock()
	ln := s.ln
	s.mu.Unlock()
	if ln == nil {
		return errors.New("sim: ServeAPI before ListenAPI")
	}
	srv := &http.Server{
		Handler:           s.api.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       90 * time.Second,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("sim: API: %w", err)
	case <-ctx.Done():
	}
	s.api.stop()
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		_ = srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("sim: API: %w", err)
	}
	return nil
}

// StartAPI is ListenAPI, then ServeAPI in a goroutine that the returned
// stop owns: stop ends serving, waits for it and returns ServeAPI's error.
func (s *Simulator) StartAPI() (stop func() error, err error) {
	if err := s.ListenAPI(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.ServeAPI(ctx) }()
	return func() error {
		cancel()
		return <-done
	}, nil
}
