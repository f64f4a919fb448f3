package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestReconcile: the simulator loses 30% of the received-fax webhooks of
// Sfax and eFax for good (the provider gave up), and the faxes delivered
// by webhook race the reconciler's listings (settle 0). Two reconcilers
// run from the start; the listing API fails (503, 429, hangs) for several
// intervals; the active reconciler is SIGKILLed mid-run and restarted.
// Every fax the providers received is exactly one event — learned through
// the API for the lost ones — and one stored document with the bytes
// served; nothing is fed twice, and one replica did the work per account.
func TestReconcile(t *testing.T) {
	p := startPipeline(t, pipelineOptions{reconciler: true})
	second := p.startService("reconciler", nil)
	run := length(10*time.Second, 60*time.Second)
	s := startSim(t, p, sim.Options{
		Providers: []fax.Provider{fax.Sfax, fax.EFax}, Kinds: []string{sim.KindFaxIn, sim.KindFaxOut},
		Rate: 12, Duration: run, Concurrency: 8, Seed: 14, LoseRate: 0.3,
		DuplicateRate: 0.1, RetryScale: 0.01,
	})
	s.FailListings(3 * time.Second) // three reconcile intervals and more
	kill := time.AfterFunc(run/2, func() {
		p.reconciler.Kill()
		time.Sleep(200 * time.Millisecond)
		_ = p.reconciler.TryRestart()
	})
	defer kill.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), run+60*time.Second)
	defer cancel()
	r, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	lost := 0
	for _, f := range r.Faxes {
		if f.Lost {
			lost++
		}
	}
	if lost < 10 {
		t.Fatalf("the simulator lost %d webhooks: the run did not exercise reconciliation", lost)
	}
	l := awaitLanded(t, connect(t, p.natsURL), r, 90*time.Second)
	tl := verify(t, r, l)
	via := map[string]fax.Origin{}
	for _, e := range l.events {
		via[e.ID] = e.Data.LearnedVia
	}
	for _, f := range r.Faxes {
		if f.Lost && via[f.EventID] != fax.OriginAPI {
			t.Errorf("%s: webhook lost, event learned via %q, want api", name(f), via[f.EventID])
		}
	}
	// One replica reconciles each account; together they fed each lost fax
	// once (a fax whose webhook raced a listing may count too).
	held, missed := 0.0, 0.0
	for _, admin := range []string{p.admin["reconciler"], p.admin["reconciler#2"]} {
		m, err := httpGet(admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		held += sumMetric(m, "faxpipe_reconciler_lease_held")
		missed += sumMetric(m, "faxpipe_reconciler_missed_webhooks_total")
	}
	if held != 2 {
		t.Errorf("%v leases held across the two replicas, want 2 (one per account)", held)
	}
	if missed < float64(lost)/2 {
		t.Errorf("the replicas that ran till now count %v missed webhooks of %d lost", missed, lost)
	}
	if second.Exited() {
		t.Error("the second reconciler exited")
	}
	figure(t, "reconcile", fmt.Sprintf("12 faxes/s for %s, Sfax and eFax", run),
		fmt.Sprintf("%d webhooks lost for good, listing outage 3 s, reconciler SIGKILLed", lost), tl)
}

// sumMetric sums every sample of the named metric in a Prometheus text
// exposition.
func sumMetric(exposition, metric string) float64 {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(metric) + `(?:\{[^}]*\})? (\S+)$`)
	sum := 0.0
	for _, m := range re.FindAllStringSubmatch(exposition, -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		sum += v
	}
	return sum
}
