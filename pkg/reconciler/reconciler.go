// Package reconciler finds the faxes whose webhook never reached faxpipe.
// For every account of a provider with a listing API (listing.Lister), it
// lists, every reconciler.interval, the faxes the account received over a
// sliding window — from a little before where its last pass got to, up to
// a little before now — and feeds each one faxpipe never heard of into
// FAXPIPE_RAW as a sealed API envelope (listing.Envelope). The processor
// checks the seal instead of a webhook signature and publishes the event
// the webhook would have given, with the same id: dedupe, replay,
// rejections and documents work unchanged, and a fax seen by both its
// webhook and a listing is one event.
//
// One replica reconciles an account at a time (a lease in LeaseBucket);
// its progress is saved in StateBucket after every window, so a restart
// resumes where it stopped; a failing listing is retried with backoff and
// never skipped. Range is the operator's one-shot over a chosen window.
package reconciler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/listing"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// Deps are what the reconciler needs from the rest of the process.
type Deps struct {
	JS        jetstream.JetStream
	Publisher Publisher // FAXPIPE_RAW
	// Listers are the providers' listings (provider.NewListers); an
	// account of a provider without one is not reconciled.
	Listers map[fax.Provider]listing.Lister
	// Normalizer is the processor's (provider.Normalizers): the
	// reconciler runs it on each listed fax to know its event id.
	Normalizer fax.Normalizer
	Digester   *fax.Digester // seals the envelopes
	Accounts   config.Accounts
	// DedupeTTL is how long the processor remembers event ids
	// (streams.dedupe_ttl): Range refuses to list further back.
	DedupeTTL time.Duration
	Log       *zap.Logger
	Registry  prometheus.Registerer
	Now       func() time.Time // time.Now if nil
	// Tracer makes each pass a trace, with a span per window listed; a fax
	// fed in carries its window's span context. nil: tracing off.
	Tracer *tracing.Tracer
}

// Reconciler is the long-running service. Create it with New, start it
// with Run.
type Reconciler struct {
	cfg     config.Reconciler
	deps    Deps
	log     *zap.Logger
	metrics *metrics
	policy  consume.Backoff
	holder  string
	now     func() time.Time
	ready   *admin.Flag
	running sync.Mutex

	feeder *feeder // set once the buckets are open
	leases *leases
}

// New builds the reconciler.
func New(cfg config.Reconciler, deps Deps) (*Reconciler, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	m, err := newMetrics(deps.Registry)
	if err != nil {
		return nil, err
	}
	return &Reconciler{
		cfg: cfg, deps: deps, log: deps.Log, metrics: m, now: deps.Now, holder: holderName(),
		policy: consume.Backoff{Initial: cfg.InitialBackoff, Max: cfg.MaxBackoff, Multiplier: 2, Jitter: consume.Jittered},
		ready:  admin.NewFlag("the reconciler has not opened its buckets yet"),
	}, nil
}

// Ready reports an error until the reconciler runs.
func (r *Reconciler) Ready(ctx context.Context) error { return r.ready.Check(ctx) }

// Run reconciles every account whose provider has a listing API (and
// whose configuration does not say reconcile: false) until ctx ends. It
// waits for the broker first, creating its buckets.
func (r *Reconciler) Run(ctx context.Context) error {
	if !r.running.TryLock() {
		return errors.New("reconciler already running")
	}
	defer r.running.Unlock()
	if err := r.attach(ctx); err != nil {
		return nil // ctx ended
	}
	r.ready.Set()
	targets := r.targets()
	r.log.Info("reconciler running", zap.Int("accounts", len(targets)), zap.Duration("interval", r.cfg.Interval),
		zap.String("replica", r.holder))
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Go(func() { r.account(ctx, t) })
	}
	// With no account to reconcile it idles: a service that returns early
	// stops the process.
	<-ctx.Done()
	wg.Wait()
	return nil
}

// attach creates the reconciler's buckets, retrying until the broker
// answers (and FAXPIPE_EVENTS exists) or ctx ends.
func (r *Reconciler) attach(ctx context.Context) error {
	b := r.policy.New(0)
	for {
		f, l, err := open(ctx, r.deps, r.cfg)
		if err == nil {
			l.holder = r.holder
			r.feeder, r.leases = f, l
			return nil
		}
		r.log.Warn("waiting for the broker and FAXPIPE_EVENTS", zap.Error(err))
		if !consume.Sleep(ctx, min(b.NextBackOff(), 5*time.Second)) {
			return ctx.Err()
		}
	}
}

// targets are the accounts to reconcile.
func (r *Reconciler) targets() []target {
	var out []target
	for _, a := range r.deps.Accounts {
		b := a.Base()
		if _, ok := r.deps.Listers[a.Provider()]; !ok {
			continue
		}
		if !b.Reconciles() {
			r.log.Info("account not reconciled (reconcile: false)", zap.String("provider", string(a.Provider())), zap.String("account", b.ID))
			continue
		}
		out = append(out, target{a.Provider(), b.ID})
	}
	return out
}

// account reconciles t whenever this replica holds its lease: a pass,
// then another every interval, until the lease is lost or ctx ends.
func (r *Reconciler) account(ctx context.Context, t target) {
	held := r.metrics.leaseHeld.WithLabelValues(string(t.provider), t.account)
	for {
		ls, err := r.leases.acquire(ctx, t.key())
		if err != nil {
			return
		}
		held.Set(1)
		r.log.Info("reconciling account", zap.Stringer("account", t), zap.String("replica", r.holder))
		for {
			if err := r.tracedPass(ls.ctx, t); err == nil {
				r.log.Debug("pass done", zap.Stringer("account", t))
			}
			if !consume.Sleep(ls.ctx, r.cfg.Interval) {
				break
			}
		}
		ls.release()
		held.Set(0)
		if ctx.Err() != nil {
			return
		}
	}
}

// tracedPass is pass in a span of its own, the root of the pass's trace.
func (r *Reconciler) tracedPass(ctx context.Context, t target) error {
	ctx, sp := r.deps.Tracer.Start(ctx, "reconcile pass")
	traceTarget(sp, t)
	err := r.pass(ctx, t)
	sp.End(err)
	return err
}

// traceTarget names t's account on sp.
func traceTarget(sp tracing.Span, t target) {
	sp.SetString("faxpipe.provider", string(t.provider))
	sp.SetString("faxpipe.account", t.account)
}

// open creates the reconciler's buckets (or updates them to cfg): what the
// service needs of the broker.
func open(ctx context.Context, deps Deps, cfg config.Reconciler) (*feeder, *leases, error) {
	f, err := openFeeder(ctx, deps, cfg, true)
	if err != nil {
		return nil, nil, err
	}
	lk, err := deps.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket: LeaseBucket, Description: "faxpipe reconciler: which replica reconciles each account",
		TTL: cfg.LeaseTTL, History: 1, Storage: jetstream.FileStorage, Replicas: f.replicas,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("bucket %s: %w", LeaseBucket, err)
	}
	return f, &leases{kv: lk, ttl: cfg.LeaseTTL, holder: holderName(), log: deps.Log}, nil
}

// openFeeder looks FAXPIPE_EVENTS up and opens the state bucket: creating
// (or updating) the latter when create is set, else only opening it — a
// dry run changes nothing, and without the bucket nothing was fed yet.
func openFeeder(ctx context.Context, deps Deps, cfg config.Reconciler, create bool) (*feeder, error) {
	events, err := deps.JS.Stream(ctx, fax.EventsStream)
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", fax.EventsStream, err)
	}
	// The reconciler's buckets have the events stream's replicas (1 on an
	// embedded server, 3 in a cluster).
	replicas := max(1, events.CachedInfo().Config.Replicas)
	var st jetstream.KeyValue
	if create {
		st, err = deps.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: StateBucket, Description: "faxpipe reconciler: each account's progress and the faxes fed in",
			TTL: cfg.Memory, History: 1, Storage: jetstream.FileStorage, Replicas: replicas,
		})
	} else if st, err = deps.JS.KeyValue(ctx, StateBucket); errors.Is(err, jetstream.ErrBucketNotFound) {
		st, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("bucket %s: %w", StateBucket, err)
	}
	f := &feeder{
		listers: deps.Listers, normalizer: deps.Normalizer, digester: deps.Digester, js: deps.JS,
		state: state{kv: st}, publisher: deps.Publisher, now: deps.Now, log: deps.Log, replicas: replicas,
	}
	if f.now == nil {
		f.now = time.Now
	}
	return f, nil
}

// holderName names this replica in leases and logs: the host name and a
// random suffix, new for every process.
func holderName() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return host + "-" + hex.EncodeToString(b[:])
}
