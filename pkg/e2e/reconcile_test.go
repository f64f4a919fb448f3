package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestReconcile: the simulator loses 30% of the received-fax webhooks of
// every provider with a listing API (listingProviders) for good (the provider gave up), and the faxes delivered
// by webhook race the reconciler's listings (settle 0; the ingress is down
// for 2 s, so that some webhooks come late). Two reconcilers run from the
// start; the listing API fails (503, 429, hangs) for several intervals;
// the active reconciler is SIGKILLed mid-run and restarted.
// Every fax the providers received is exactly one event — learned through
// the API for the lost ones — and one stored document with the bytes
// served; no fax is fed in twice (each lost one exactly once), some came
// both ways, and one replica did the work per account.
func TestReconcile(t *testing.T) {
	p := startPipeline(t, pipelineOptions{reconciler: true})
	second := p.startService("reconciler", nil)
	run := length(10*time.Second, 60*time.Second)
	listed := listingProviders(t, p)
	s := startSim(t, p, sim.Options{
		Providers: listed, Kinds: []string{sim.KindFaxIn, sim.KindFaxOut},
		Rate: 12, Duration: run, Concurrency: 8, Seed: 14, LoseRate: 0.3,
		DuplicateRate: 0.1, RetryScale: 0.01,
	})
	s.FailListings(3 * time.Second) // three reconcile intervals and more
	// The ingress down for 2 s once listings work again: the webhooks of
	// those faxes come late, retried, while the reconciler lists them
	// (settle 0): webhook and listing race for the same faxes.
	outage := time.AfterFunc(run*35/100, func() {
		p.ingress.Stop()
		time.Sleep(2 * time.Second)
		_ = p.ingress.TryRestart()
	})
	defer outage.Stop()
	kill := time.AfterFunc(run*7/10, func() {
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
	lost := len(r.Lost())
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
	// Each listed fax was fed in at most once, each lost one exactly once;
	// and some faxes came both by webhook and by listing (still one event
	// each: verify).
	raw := rawOrigins(t, p)
	raced := 0
	for _, f := range r.Faxes {
		o := raw[f.Provider+"/"+f.FaxID]
		switch {
		case o.api > 1:
			t.Errorf("%s: fed in %d times", name(f), o.api)
		case f.Lost && o.api != 1:
			t.Errorf("%s: webhook lost, fed in %d times, want once", name(f), o.api)
		case f.Acked && o.api == 1 && o.webhook > 0:
			raced++
		}
	}
	if raced == 0 {
		t.Error("no fax came both by webhook and by listing: the run did not exercise the race")
	}
	// One replica reconciles each account.
	held := 0.0
	for _, admin := range []string{p.admin["reconciler"], p.admin["reconciler#2"]} {
		m, err := httpGet(admin + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		held += sumMetric(m, "faxpipe_reconciler_lease_held")
	}
	if held != float64(len(listed)) {
		t.Errorf("%v leases held across the two replicas, want %d (one per account)", held, len(listed))
	}
	if second.Exited() {
		t.Error("the second reconciler exited")
	}
	figure(t, "reconcile", fmt.Sprintf("12 faxes/s for %s, %v", run, listed),
		fmt.Sprintf("%d webhooks lost for good, %d faxes by webhook and listing both, listing outage 3 s, ingress down 2 s, reconciler SIGKILLed", lost, raced), tl)
}

// origins counts the raw envelopes of one fax by how they came.
type origins struct{ webhook, api int }

// rawOrigins counts the raw envelopes of every fax in FAXPIPE_RAW, by
// "provider/fax_id", the fax id as the processor's own normalizers read
// it.
func rawOrigins(t *testing.T, p *pipeline) map[string]origins {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	d, err := fax.NewDigester("e2e", []byte(e2ePipelineKey))
	if err != nil {
		t.Fatal(err)
	}
	ns, err := provider.NewNormalizers(accountsOf(t, p), d)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]origins{}
	for _, m := range readStream(ctx, t, connect(t, p.natsURL), fax.RawStream) {
		var env fax.Envelope
		if err := json.Unmarshal(m.Data(), &env); err != nil {
			t.Fatalf("raw message: %v", err)
		}
		ev, err := ns.Normalize(fax.RawMessage{Envelope: &env})
		if err != nil {
			t.Fatalf("raw message %s: %v", m.Subject(), err)
		}
		key := string(env.Provider) + "/" + ev.FaxID
		o := out[key]
		if env.FromAPI() {
			o.api++
		} else {
			o.webhook++
		}
		out[key] = o
	}
	return out
}

// listingProviders are the providers of the registry, in its order, that
// have a listing API for p's accounts: those the reconciler covers.
func listingProviders(t *testing.T, p *pipeline) []fax.Provider {
	t.Helper()
	var out []fax.Provider
	for _, s := range provider.Sims {
		name := s.Spec().Name
		l, err := provider.Registry[name].NewLister(accountsOf(t, p), docfetch.Options{HTTP: http.DefaultClient})
		if err != nil {
			t.Fatal(err)
		}
		if l != nil {
			out = append(out, name)
		}
	}
	if len(out) < 2 {
		t.Fatalf("providers with a listing API: %v", out)
	}
	return out
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
