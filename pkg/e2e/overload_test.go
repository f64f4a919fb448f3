package e2e

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestOverload: callbacks offered far past what the ingress lets through
// (its account rate limit and its bound on publishes in flight) are shed
// with 429 and 503 while its memory stays bounded; nothing acknowledged is
// lost; and once the load drops, callbacks are answered 200 at once again.
func TestOverload(t *testing.T) {
	accountRPS := 100
	if raceEnabled {
		// The simulator runs in this binary: under -race (and on a loaded
		// machine) it offers a fraction of the rate asked for, which could
		// then stay within the ingress's limits and shed nothing. Lower
		// limits keep the offered load far past them.
		accountRPS = 20
	}
	p := startPipeline(t, pipelineOptions{env: []string{
		fmt.Sprintf("FAXPIPE_INGRESS_RATE_LIMIT_ACCOUNT_RPS=%d", accountRPS),
		fmt.Sprintf("FAXPIPE_INGRESS_RATE_LIMIT_ACCOUNT_BURST=%d", accountRPS),
		"FAXPIPE_INGRESS_MAX_PENDING=64",
	}})
	run, rate := length(3*time.Second, 20*time.Second), length(1000, 2000)
	burst := startSim(t, p, sim.Options{
		Rate: float64(rate), Duration: run, Concurrency: 128, MaxPending: 100000, Seed: 13,
		RetryScale: 0.001, SfaxSuspendAfter: -1, FailRate: -1,
		// No received faxes: making their documents would slow the
		// simulator below the rate asked for.
		Kinds: []string{sim.KindFaxOut, sim.KindSMS, sim.KindPing},
	})
	var peak atomic.Int64
	var sampleErr error // off the test goroutine: kept for it to report
	before := rss(t, p.ingress.PID())
	sample := every(t, 50*time.Millisecond, func(int) {
		n, err := readRSS(p.ingress.PID())
		if err != nil && sampleErr == nil {
			sampleErr = err
		}
		peak.Store(max(peak.Load(), n))
	})
	ctx, cancel := context.WithTimeout(context.Background(), run+120*time.Second)
	defer cancel()
	r, err := burst.Run(ctx)
	sample()
	if sampleErr != nil {
		t.Fatal(sampleErr)
	}
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	shed := scrape(t, p.admin["ingress"], "faxpipe_ingress_requests_total", map[string]string{"code": "429"}) +
		scrape(t, p.admin["ingress"], "faxpipe_ingress_requests_total", map[string]string{"code": "503"})
	if shed == 0 {
		t.Error("nothing shed: the load did not exceed capacity")
	}
	const memoryBound = 256 << 20
	if peak.Load() > memoryBound {
		t.Errorf("ingress resident memory peaked at %d MiB, bound %d MiB", peak.Load()>>20, memoryBound>>20)
	}
	tl := verify(t, r, awaitLanded(t, connect(t, p.natsURL), r, 120*time.Second))
	checkRecovered(t, p)
	figure(t, "overload", fmt.Sprintf("%d faxes/s asked (%.0f/s offered) for %s against %d/s per account",
		rate, float64(len(r.Faxes))/run.Seconds(), run, accountRPS),
		fmt.Sprintf("%.0f answers shed (429/503), %d given up by providers; ingress RSS %d → %d MiB peak",
			shed, len(r.GivenUp()), before>>20, peak.Load()>>20), tl)
}

// checkRecovered: a light load after the storm is answered 200 first time.
func checkRecovered(t *testing.T, p *pipeline) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	light, err := sim.New(provider.Sims, accountsOf(t, p), sim.Options{Target: p.ingressURL, Count: 20, Rate: 10, Seed: 17, FailRate: -1}, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	r, err := light.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.Total.Acked != r.Total.Callbacks || r.Total.Retries != 0 {
		t.Errorf("after the storm: %d of %d callbacks acked, %d retries; want all at once", r.Total.Acked, r.Total.Callbacks, r.Total.Retries)
	}
}
