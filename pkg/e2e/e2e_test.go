package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestEndToEnd: the simulator sends faxes, SMS and pings of every
// provider of the registry — with duplicates, out-of-order deliveries and, while the
// ingress restarts, provider retries — to a pipeline of separate
// processes, and serves the documents with faults (errors, 429s, stalls,
// not-yet-available). Every fax acknowledged is exactly one event with the
// announced fields, and every received fax's stored document has the
// SHA-256 the simulator served.
func TestEndToEnd(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	s := startSim(t, p, sim.Options{
		Count: 90, Rate: 30, Concurrency: 8, Seed: 5,
		DuplicateRate: 0.2, OutOfOrderRate: 0.2, RetryScale: 0.01,
		Faults: sim.Faults{ErrorRate: 0.15, TooManyRate: 0.1, StallRate: 0.05, NotYetAvailable: 1, RetryAfter: time.Second},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	restarted := make(chan struct{})
	var restartErr error // off the test goroutine: kept for it to report
	go func() {
		defer close(restarted)
		time.Sleep(time.Second) // a third of the way through
		p.ingress.Stop()
		time.Sleep(500 * time.Millisecond)
		restartErr = p.ingress.TryRestart()
	}()
	r, err := s.Run(ctx)
	<-restarted // before any return: the goroutine does not outlive the test
	if restartErr != nil {
		t.Fatal(restartErr)
	}
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	l := awaitLanded(t, connect(t, p.natsURL), r, 60*time.Second)
	tl := verify(t, r, l)
	if tl.rejected != 0 {
		t.Errorf("%d callbacks rejected; the simulator sends only genuine ones", tl.rejected)
	}
	if len(r.GivenUp()) > 0 {
		t.Errorf("given up by the simulator: %v", r.GivenUp())
	}
	tot := r.Total
	t.Logf("sent %d faxes (%d callbacks, %d duplicates, %d out of order, %d retries); %d events, %d documents stored; document faults %+v",
		len(r.Faxes), tot.Callbacks, tot.Duplicates, tot.OutOfOrder, tot.Retries, tl.events, tl.documents, tot.Documents.Faults)
	for what, n := range map[string]int{"duplicates": tot.Duplicates, "out-of-order": tot.OutOfOrder, "retries": tot.Retries,
		"documents": tl.documents, "document faults": tot.Documents.Faults.Sum()} {
		if n == 0 {
			t.Errorf("no %s: the run did not exercise them", what)
		}
	}
	for prov := range provider.Registry {
		if pt := r.Providers[string(prov)]; pt == nil || pt.Acked == 0 {
			t.Errorf("no acknowledged %s callback", prov)
		}
	}
}
