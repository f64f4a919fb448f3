// Package processor turns raw callbacks into the events downstream teams
// build on. It reads FAXPIPE_RAW through a durable pull consumer shared by
// every processor replica, verifies and normalizes each callback with its
// provider's normalizer, publishes each event exactly once per id onto
// FAXPIPE_EVENTS, and records every callback it cannot accept in
// FAXPIPE_REJECTED with a reason. Every raw message ends acked: as an
// event, a counted duplicate, or a rejection.
//
// The processing itself is the Pipeline (pipeline.go), which ends in an
// Emitter: the Publisher (publish.go) live, DryRun for a dry run. The
// consumer (handle.go) and the Replayer (reprocess.go), on which the replay
// tools are built, both run it.
package processor

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/admin"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// messageTimeout bounds the work on one message: broker calls that take
// longer are transient faults.
const messageTimeout = 10 * time.Second

// Deps are what the processor needs from the rest of the process.
type Deps struct {
	// Conn is the connection to the broker; its Limits bound the
	// processor's publishes.
	Conn       *stream.Conn
	Normalizer fax.Normalizer // every provider's (provider.Normalizers)
	Log        *zap.Logger
	Registry   prometheus.Registerer
	Now        func() time.Time // rejection times; time.Now if nil
	// Tracer traces each raw message in the trace its headers carry, and
	// passes the trace on in its event; nil: tracing off.
	Tracer *tracing.Tracer
}

// Processor is the raw-stream consumer. Create it with New, start it with
// Run.
type Processor struct {
	cfg      config.Processor
	deps     Deps
	metrics  *metrics
	pipeline *Pipeline  // set once the events stream is found (open)
	running  sync.Mutex // held while Run runs
	ready    *admin.Flag
}

// New builds the processor.
func New(cfg config.Processor, deps Deps) (*Processor, error) {
	if deps.Now == nil {
		deps.Now = time.Now
	}
	m, err := newMetrics(deps.Registry)
	if err != nil {
		return nil, err
	}
	return &Processor{cfg: cfg, deps: deps, metrics: m, ready: admin.NewFlag("the processor is not consuming yet")}, nil
}

// Ready reports an error until the processor consumes.
func (p *Processor) Ready(ctx context.Context) error { return p.ready.Check(ctx) }

// Run consumes until ctx ends. It waits for the raw stream (creating its
// consumer) while the broker is unreachable, then processes with the
// configured concurrency; on return every message it took is acked or
// handed back.
func (p *Processor) Run(ctx context.Context) error {
	if !p.running.TryLock() {
		return errors.New("processor already running")
	}
	defer p.running.Unlock()
	cons, err := p.attach(ctx)
	if err != nil {
		return nil // ctx ended
	}
	p.ready.Set()
	p.deps.Log.Info("processor consuming", zap.Int("concurrency", p.cfg.Concurrency))
	go p.watchLag(ctx, cons)
	return consume.Run(ctx, cons, p.consumeOptions(), p.handler())
}

// attach creates or updates the durable consumer and opens the
// publisher to the events stream, retrying until the topology exists or
// ctx ends.
func (p *Processor) attach(ctx context.Context) (jetstream.Consumer, error) {
	cc := stream.ProcessorConsumer(p.cfg.AckWait, 64*p.cfg.Concurrency)
	return stream.Attach(ctx, p.deps.Conn.JS, fax.RawStream, cc, p.open,
		func(err error) { p.deps.Log.Warn("waiting for the raw and events streams", zap.Error(err)) })
}

// open builds the pipeline on a publisher to the events stream, whose
// duplicate window is the dedupe horizon (NewPublisher reads it).
func (p *Processor) open(ctx context.Context) error {
	pub, err := NewPublisher(ctx, p.deps.Conn, p.deps.Log)
	if err != nil {
		return err
	}
	p.pipeline = NewPipeline(p.deps.Normalizer, pub, p.deps.Now)
	return nil
}

// watchLag publishes the consumer's backlog as a metric until ctx ends.
func (p *Processor) watchLag(ctx context.Context, cons jetstream.Consumer) {
	t := time.NewTicker(5 * time.Second)
	defer t.Stop()
	for {
		infoCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if info, err := cons.Info(infoCtx); err == nil {
			p.metrics.lag.Set(float64(info.NumPending))
			p.metrics.unacked.Set(float64(info.NumAckPending))
		}
		cancel()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
