package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestBrokerLoss: the single nats-server is stopped during load and started
// again. Meanwhile the ingress answers 503, never 200 (every 200 is an
// event in the end), the simulator retries as each provider does, and
// nothing is lost end to end once the server is back.
func TestBrokerLoss(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	run := length(10*time.Second, 60*time.Second)
	const rate = 15
	s := startSim(t, p, sim.Options{
		// Retry delays at 1/20: Sfax's 5 attempts 2 minutes apart span 30 s,
		// longer than an outage, as the real 10 minutes are.
		Rate: rate, Duration: run, Concurrency: 16, Seed: 11, RetryScale: 0.05,
		// Sfax suspends an account's callbacks after 20 failed attempts in
		// a row, which an outage under load trips (see README,
		// "Reliability"); here every provider keeps retrying, to show that
		// whatever is retried is delivered.
		SfaxSuspendAfter: -1,
	})
	down := length(2*time.Second, 5*time.Second)
	var restartErrs []string // off the test goroutine: kept for it to report
	outages := every(t, run/3, func(i int) {
		if i >= 2 {
			return
		}
		p.nats.Stop()
		time.Sleep(down)
		if err := p.nats.TryRestart(); err != nil {
			restartErrs = append(restartErrs, err.Error())
		} else if !healthy(p.servers[0], 60*time.Second) {
			restartErrs = append(restartErrs, "nats-server not healthy 60s after its restart")
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), run+90*time.Second)
	defer cancel()
	r, err := s.Run(ctx)
	n := min(outages(), 2)
	if len(restartErrs) > 0 {
		t.Fatalf("restarting the broker: %s", strings.Join(restartErrs, "; "))
	}
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	tl := verify(t, r, awaitLanded(t, connect(t, p.natsURL), r, 90*time.Second))
	unavailable := scrape(t, p.admin["ingress"], "faxpipe_ingress_requests_total", map[string]string{"code": "503"})
	if n == 0 || unavailable == 0 {
		t.Errorf("%d outages, %v answers 503: the run did not exercise a broker loss", n, unavailable)
	}
	if g := r.GivenUp(); len(g) > 0 {
		t.Errorf("%d callbacks given up by the providers despite their retries: %v", len(g), g[:min(len(g), 5)])
	}
	lat := ackLatencies(r)
	figure(t, "broker loss (1 server)", fmt.Sprintf("%d faxes/s for %s", rate, run),
		fmt.Sprintf("server stopped %d× for %s: %v answers 503; callback→200 p50 %s, max %s",
			n, down, unavailable, lat.p50, lat.max), tl)
}

// latencies summarize how long callbacks took to be acknowledged.
type latencies struct{ p50, p99, max time.Duration }

// ackLatencies is the time from each acknowledged callback's first attempt
// to its last (the one answered 200), retries included.
func ackLatencies(r *sim.Report) latencies {
	var d []time.Duration
	for _, f := range r.Faxes {
		for _, c := range f.Callbacks {
			if c.Acked && !c.FirstSentAt.IsZero() {
				d = append(d, c.LastSentAt.Sub(c.FirstSentAt))
			}
		}
	}
	if len(d) == 0 {
		return latencies{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))].Round(time.Millisecond) }
	return latencies{p50: at(0.5), p99: at(0.99), max: d[len(d)-1].Round(time.Millisecond)}
}
