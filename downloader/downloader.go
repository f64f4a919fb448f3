// Package downloader fetches the document of every received fax from its
// provider's API, stores it in the object store and announces it. It reads
// received inbound fax events from FAXPIPE_EVENTS through a durable pull
// consumer shared by every downloader replica; for each event with a
// document it fetches with exponential backoff (cenkalti/backoff), streams
// the bytes into the docstore as {provider}/{account}/{fax_id}.{ext}, and
// publishes a stored or failed announcement on FAXPIPE_DOCUMENTS
// (schemas/fax-document.v1.json). Requests go only to the configured
// provider API hosts (see apiclient.New).
package downloader

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/apiclient"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// Deps are what the downloader needs from the rest of the process.
type Deps struct {
	JS jetstream.JetStream
	// Accounts are the configured provider accounts: their credentials, and
	// their API base URLs, the only origins the downloader reaches.
	Accounts config.Accounts
	// Documents builds the document client of Accounts (main passes
	// provider.NewDocumentClient).
	Documents docfetch.Factory
	// Store keeps the documents; nil means the JetStream object store
	// bucket faxpipe-documents, opened when Run starts.
	Store    docstore.Store
	Log      *zap.Logger
	Registry prometheus.Registerer
	// TLS configures HTTPS to the providers; nil means the system's roots
	// (tests pass their emulator's).
	TLS *tls.Config
	Now func() time.Time // time.Now if nil
	// Tracer traces each event in the trace its headers carry, and passes
	// the trace on in its document announcement; nil: tracing off.
	Tracer *tracing.Tracer
}

// Downloader is the document fetcher. Create it with New, start it with
// Run.
type Downloader struct {
	cfg     config.Downloader
	deps    Deps
	metrics *metrics
	fetcher docfetch.Client
	limits  *limits
	store   docstore.Store
	running sync.Mutex // held while Run runs
	ready   *admin.Flag
}

// New builds the downloader: its HTTP client (see apiclient.New) and the
// document client of every provider for deps.Accounts. It fails on an
// account whose API base URL is not an absolute http(s) URL or on a
// metric already registered.
func New(cfg config.Downloader, deps Deps) (*Downloader, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Documents == nil {
		return nil, errors.New("downloader: no document clients (Deps.Documents)")
	}
	m, err := newMetrics(deps.Registry)
	if err != nil {
		return nil, err
	}
	hc, err := apiclient.New(apiclient.Options{
		RequestTimeout: cfg.RequestTimeout, StallTimeout: cfg.StallTimeout,
		AllowPrivateNetworks: cfg.AllowPrivateNetworks, MaxConnsPerHost: cfg.ProviderConcurrency,
	}, deps.Accounts.APIBaseURLs(), deps.TLS)
	if err != nil {
		return nil, fmt.Errorf("downloader: %w", err)
	}
	clients, err := deps.Documents(deps.Accounts,
		docfetch.Options{HTTP: hc, Now: deps.Now, OnTokenRefresh: m.tokenRefreshed})
	if err != nil {
		return nil, fmt.Errorf("downloader: %w", err)
	}
	return &Downloader{
		cfg: cfg, deps: deps, metrics: m, fetcher: clients, store: deps.Store,
		limits: newLimits(cfg.ProviderConcurrency), ready: admin.NewFlag("the downloader is not consuming yet"),
	}, nil
}

// Ready reports an error until the downloader consumes.
func (d *Downloader) Ready(ctx context.Context) error { return d.ready.Check(ctx) }

// Run consumes until ctx ends. It waits for the events stream and the
// object store (creating its consumer) while the broker is unreachable,
// then downloads with the configured concurrency. On return every message
// it took is acked or handed back; downloads in progress are abandoned and
// their messages handed back, to be fetched again.
func (d *Downloader) Run(ctx context.Context) error {
	if !d.running.TryLock() {
		return errors.New("downloader already running")
	}
	defer d.running.Unlock()
	cons, err := d.attach(ctx)
	if err != nil {
		return nil // ctx ended
	}
	d.ready.Set()
	d.deps.Log.Info("downloader consuming", zap.Int("concurrency", d.cfg.Concurrency))
	return consume.Run(ctx, cons, d.consumeOptions(), d.handler())
}

// attach creates or updates the durable consumer and opens the document
// store, retrying until both exist or ctx ends.
func (d *Downloader) attach(ctx context.Context) (jetstream.Consumer, error) {
	cc := stream.DownloaderConsumer(d.cfg.AckWait, 4*d.cfg.Concurrency)
	return stream.Attach(ctx, d.deps.JS, fax.EventsStream, cc, func(ctx context.Context) error {
		if d.store != nil {
			return nil
		}
		// Assigned only on success: a nil *JetStream in the Store interface
		// would not be nil, and would never be opened again.
		s, err := docstore.OpenJetStream(ctx, d.deps.JS, fax.DocumentBucket)
		if err != nil {
			return err
		}
		d.store = s
		return nil
	}, func(err error) { d.deps.Log.Warn("waiting for the events stream and document store", zap.Error(err)) })
}

// limits bounds concurrent fetches per provider.
type limits struct {
	mu  sync.Mutex
	n   int
	sem map[fax.Provider]chan struct{}
}

func newLimits(n int) *limits { return &limits{n: max(n, 1), sem: map[fax.Provider]chan struct{}{}} }

// acquire blocks until p has a free slot or ctx ends; release frees it.
func (l *limits) acquire(ctx context.Context, p fax.Provider) (release func(), err error) {
	l.mu.Lock()
	s, ok := l.sem[p]
	if !ok {
		s = make(chan struct{}, l.n)
		l.sem[p] = s
	}
	l.mu.Unlock()
	select {
	case s <- struct{}{}:
		return func() { <-s }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
