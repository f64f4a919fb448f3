package e2e

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestCrashes: under steady load from every provider, the processor
// and the downloader are SIGKILLed in turn every couple of seconds and
// restarted, and the ingress is restarted (SIGTERM, graceful) with requests
// in flight. Every callback answered 200 is exactly one event, and every
// received fax's document is stored exactly once.
func TestCrashes(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	run := length(12*time.Second, 60*time.Second)
	const rate = 15
	s := startSim(t, p, sim.Options{
		Rate: rate, Duration: run, Concurrency: 16, Seed: 7,
		DuplicateRate: 0.1, OutOfOrderRate: 0.1, RetryScale: 0.01,
		Faults: sim.Faults{ErrorRate: 0.05},
	})
	victims := []*proc{p.processor, p.downloader}
	var killErrs, restartErrs []error // off the test goroutine: kept for it to report
	stop := every(t, length(2*time.Second, 3*time.Second), func(i int) {
		v := victims[i%2]
		v.Kill()
		time.Sleep(200 * time.Millisecond)
		if err := v.TryRestart(); err != nil {
			killErrs = append(killErrs, err)
		}
	})
	restarts := every(t, run/2, func(int) {
		p.ingress.Stop() // drains the requests in flight, then stops
		if err := p.ingress.TryRestart(); err != nil {
			restartErrs = append(restartErrs, err)
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), run+90*time.Second)
	defer cancel()
	r, err := s.Run(ctx)
	kills, ingressRestarts := stop(), restarts()
	if err := errors.Join(append(killErrs, restartErrs...)...); err != nil {
		t.Fatalf("restarting a service: %v", err)
	}
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	p.waitReady("processor", p.processor)
	p.waitReady("downloader", p.downloader)
	tl := verify(t, r, awaitLanded(t, connect(t, p.natsURL), r, 90*time.Second))
	if kills < 4 || ingressRestarts < 1 {
		t.Errorf("%d kills and %d ingress restarts: the run did not exercise them", kills, ingressRestarts)
	}
	if tl.documents == 0 {
		t.Error("no document stored: the run did not exercise the downloader")
	}
	figure(t, "crashes", fmt.Sprintf("%d faxes/s for %s, %d providers", rate, run, len(provider.Sims)),
		fmt.Sprintf("%d SIGKILLs of processor/downloader, %d ingress restarts in flight", kills, ingressRestarts), tl)
}
