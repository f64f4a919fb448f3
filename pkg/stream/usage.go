package stream

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/admin"
)

// UsageEvery is how often Usage reads the streams' state.
const UsageEvery = 15 * time.Second

// Usage exports how full streams are, for an alert before one fills up:
// faxpipe_stream_bytes and faxpipe_stream_max_bytes, by stream and
// discard policy. A stream that discards new messages refuses every write
// once full (the ingress answers 503, the processor and the downloader
// wait), and nothing else warns of it before it happens:
// prometheus-nats-exporter exports a stream's bytes, not its limit.
type Usage struct {
	js      jetstream.JetStream
	streams []string
	log     *zap.Logger
	bytes   *prometheus.GaugeVec
	max     *prometheus.GaugeVec
	failed  map[string]int // reads in a row that failed, by stream
}

// NewUsage registers the gauges of streams (a role's Streams) in reg.
func NewUsage(js jetstream.JetStream, streams []string, reg prometheus.Registerer, log *zap.Logger) (*Usage, error) {
	u := &Usage{js: js, streams: streams, log: log, failed: map[string]int{},
		bytes: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "stream", Name: "bytes",
			Help: "Bytes a stream holds, as the broker last reported (absent while it cannot be read).",
		}, []string{"stream", "discard"}),
		max: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: "faxpipe", Subsystem: "stream", Name: "max_bytes",
			Help: "A stream's max_bytes: past it, a stream with discard=\"new\" refuses new messages and one with discard=\"old\" drops its oldest.",
		}, []string{"stream", "discard"}),
	}
	if err := admin.Register(reg, u.bytes, u.max); err != nil {
		return nil, err
	}
	return u, nil
}

// Run reads the streams' state at once and then every UsageEvery until ctx
// ends.
func (u *Usage) Run(ctx context.Context) error {
	t := time.NewTicker(UsageEvery)
	defer t.Stop()
	for {
		u.Read(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// usageStaleAfter is how many reads of a stream in a row may fail before
// its series are removed: one slow answer of the broker does not reset an
// alert's wait (its `for:`), a minute of them no longer shows a stale fill.
const usageStaleAfter = 4

// Read sets the gauges from the broker's state of each stream. A stream
// that does not exist (not created yet) has no series; one it has failed
// to read usageStaleAfter times in a row (the broker away) has its series
// removed rather than left at a stale value: the readiness check reports
// the cause. Read is not safe for concurrent use.
func (u *Usage) Read(ctx context.Context) {
	for _, name := range u.streams {
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		s, err := u.js.Stream(rctx, name)
		cancel()
		if err != nil {
			u.failed[name]++
			if errors.Is(err, jetstream.ErrStreamNotFound) || u.failed[name] >= usageStaleAfter {
				u.bytes.DeletePartialMatch(prometheus.Labels{"stream": name})
				u.max.DeletePartialMatch(prometheus.Labels{"stream": name})
			}
			u.log.Debug("stream state not read", zap.String("stream", name), zap.Error(err))
			continue
		}
		delete(u.failed, name)
		info := s.CachedInfo()
		discard, other := "old", "new"
		if info.Config.Discard == jetstream.DiscardNew {
			discard, other = other, discard
		}
		u.bytes.DeleteLabelValues(name, other) // its policy was changed
		u.max.DeleteLabelValues(name, other)
		u.bytes.WithLabelValues(name, discard).Set(float64(info.State.Bytes))
		if info.Config.MaxBytes > 0 {
			u.max.WithLabelValues(name, discard).Set(float64(info.Config.MaxBytes))
		} else {
			u.max.DeletePartialMatch(prometheus.Labels{"stream": name})
		}
	}
}
