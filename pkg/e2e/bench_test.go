package e2e

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// BenchmarkEndToEnd measures the whole pipeline — separate ingress,
// processor and downloader processes over one nats-server, fed by the
// simulator — at a fixed rate (latency from the callback's acknowledged
// attempt to its event, and to its document stored) and at saturation
// (sustained throughput). Run it once: -benchtime 1x (make bench does).
func BenchmarkEndToEnd(b *testing.B) {
	b.Run("fixed-rate", func(b *testing.B) {
		for b.Loop() {
			fixedRate(b, 40, 10*time.Second)
		}
	})
	b.Run("saturation-events", func(b *testing.B) {
		for b.Loop() {
			saturation(b, 4000, sim.KindFaxOut, sim.KindSMS, sim.KindPing)
		}
	})
	b.Run("saturation-documents", func(b *testing.B) {
		for b.Loop() {
			saturation(b, 600, sim.KindFaxIn)
		}
	})
}

// fixedRate sends rate faxes a second for d and reports latency quantiles.
func fixedRate(b *testing.B, rate int, d time.Duration) {
	p := startPipeline(b, pipelineOptions{})
	s := startSim(b, p, sim.Options{Rate: float64(rate), Duration: d, Concurrency: 16, Seed: 21, FailRate: -1})
	r, l := runAndLand(b, p, s)
	toEvent, toDoc := latencyToLanded(r, l)
	b.ReportMetric(quantile(toEvent, 0.5).Seconds()*1000, "ms-event-p50")
	b.ReportMetric(quantile(toEvent, 0.99).Seconds()*1000, "ms-event-p99")
	b.ReportMetric(quantile(toDoc, 0.5).Seconds()*1000, "ms-document-p50")
	b.ReportMetric(quantile(toDoc, 0.99).Seconds()*1000, "ms-document-p99")
	b.Logf("\n| at %d faxes/s for %s (%d events, %d documents) | p50 | p99 |\n|---|---|---|\n| callback → event | %s | %s |\n| callback → document stored | %s | %s |\n%s",
		rate, d, len(toEvent), len(toDoc),
		ms(quantile(toEvent, 0.5)), ms(quantile(toEvent, 0.99)), ms(quantile(toDoc, 0.5)), ms(quantile(toDoc, 0.99)), machine())
}

// saturation sends n faxes of kinds as fast as the pipeline takes them and
// reports the sustained rates: callbacks acknowledged, events and documents
// per second, from the first callback to the last of each landed. Received
// faxes (documents) are also bound by the simulator, which renders each
// fax's document on the same cores.
func saturation(b *testing.B, n int, kinds ...string) {
	p := startPipeline(b, pipelineOptions{})
	s := startSim(b, p, sim.Options{Count: n, Concurrency: 64, Seed: 23, FailRate: -1, RetryScale: 0.01, Kinds: kinds})
	start := time.Now()
	r, l := runAndLand(b, p, s)
	acked := r.StartedAt.Add(time.Duration(r.Elapsed))
	lastEvent, lastDoc := start, start
	for _, e := range l.events {
		lastEvent = later(lastEvent, e.Published)
	}
	for _, d := range l.documents {
		lastDoc = later(lastDoc, d.Published)
	}
	perSec := func(k int, end time.Time) float64 {
		if k == 0 {
			return 0
		}
		return float64(k) / end.Sub(start).Seconds()
	}
	b.ReportMetric(perSec(r.Total.Acked, acked), "callbacks/s")
	b.ReportMetric(perSec(len(l.events), lastEvent), "events/s")
	b.ReportMetric(perSec(len(l.documents), lastDoc), "documents/s")
	b.Logf("\n| saturation: %d faxes (%v), 64 concurrent callbacks | per second |\n|---|---|\n| callbacks acknowledged | %.0f |\n| events published | %.0f |\n| documents stored | %.0f |\n%s",
		n, kinds, perSec(r.Total.Acked, acked), perSec(len(l.events), lastEvent), perSec(len(l.documents), lastDoc), machine())
}

func runAndLand(b *testing.B, p *pipeline, s *sim.Simulator) (*sim.Report, landed) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	r, err := s.Run(ctx)
	if err != nil {
		b.Fatal(err)
	}
	l := awaitLanded(b, connect(b, p.natsURL), r, 3*time.Minute)
	if tl := verify(b, r, l); len(tl.lost)+len(tl.doubled) > 0 {
		b.Fatal("lost or doubled: the figures would mean nothing")
	}
	return r, l
}

// latencyToLanded is, for each acknowledged callback's fax, the time from
// the acknowledged attempt to its event in the stream, and to its document
// announced stored.
func latencyToLanded(r *sim.Report, l landed) (toEvent, toDoc []time.Duration) {
	events, docs := map[string]time.Time{}, map[string]time.Time{}
	for _, e := range l.events {
		events[e.ID] = e.Published
	}
	for _, d := range l.documents {
		docs[d.Data.EventID] = d.Published
	}
	for _, f := range r.Faxes {
		sent := firstAcked(f)
		if sent.IsZero() {
			continue
		}
		if t, ok := events[f.EventID]; ok {
			toEvent = append(toEvent, t.Sub(sent))
		}
		if t, ok := docs[f.EventID]; ok && f.Document != nil {
			toDoc = append(toDoc, t.Sub(sent))
		}
	}
	slices.Sort(toEvent)
	slices.Sort(toDoc)
	return toEvent, toDoc
}

// firstAcked is when the first acknowledged callback of f was sent (its
// last attempt, the one answered 200).
func firstAcked(f sim.Fax) time.Time {
	for _, c := range f.Callbacks {
		if c.Acked {
			return c.LastSentAt
		}
	}
	return time.Time{}
}

func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", d.Seconds()*1000) }

func machine() string {
	return fmt.Sprintf("machine: %d cores (GOMAXPROCS %d), %s/%s, %s; every process on this machine",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
}
