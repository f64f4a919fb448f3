package e2e

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
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
	rss := sampleRSS(map[string]*proc{"ingress": p.ingress, "processor": p.processor, "downloader": p.downloader, "nats-server": p.nats})
	start := time.Now()
	r, l := runAndLand(b, p, s)
	peak := rss()
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
	for _, name := range []string{"ingress", "processor", "downloader", "nats-server"} {
		b.ReportMetric(peak[name], "MiB-rss-"+name)
		fmt.Printf("MEASURE %s-peak-rss-mib=%.1f (%s under load: %d faxes %v, 64 concurrent callbacks)\n", name, peak[name], b.Name(), n, kinds)
	}
}

// sampleRSS samples the resident set of each process every 50 ms until the
// returned function is called, which stops it and gives each one's peak in
// MiB (Linux: /proc/PID/status VmRSS).
func sampleRSS(procs map[string]*proc) func() map[string]float64 {
	peak := map[string]float64{}
	var mu sync.Mutex
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			for name, p := range procs {
				if kib, ok := vmRSS(p.PID()); ok {
					mu.Lock()
					peak[name] = max(peak[name], float64(kib)/1024)
					mu.Unlock()
				}
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() map[string]float64 {
		close(stop)
		<-done
		return peak
	}
}

// vmRSS is the process's resident set in KiB.
func vmRSS(pid int) (int, bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n, err == nil
		}
	}
	return 0, false
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
