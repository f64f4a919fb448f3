package docker

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// simulatedFaxes is how many faxes the simulator sends, across providers.
const simulatedFaxes = 30

// simulatedFaxesLand runs the simulator as a container against the
// ingress: every fax it got a 200 for must be exactly one event, and every
// received fax's document, fetched by the downloader from the simulator
// container, must be stored with the SHA-256 the simulator reported.
func simulatedFaxesLand(ctx context.Context, t *testing.T, c *cluster) {
	r := c.newReader(t)
	since := r.eventCount(ctx, t)
	rep := c.startSimulator(ctx, t, "-count", strconv.Itoa(simulatedFaxes)).report(ctx, t, 90*time.Second)
	if rep.Total.Acked == 0 {
		t.Fatalf("the simulator got no callback acknowledged: %+v", rep.Total)
	}
	events, docs := awaitLanded(ctx, t, r, rep, since)
	checkLanded(ctx, t, r, rep, events, docs)
}

// simRun is a simulator container sending callbacks to the ingress over
// the public network; it writes its report in out.
type simRun struct {
	ctr testcontainers.Container
	out string
}

// startSimulator starts a simulator sending callbacks of every provider,
// with retries 100 times faster than the providers', as load says (-count
// N, or -rate R -duration D, and any other flag of `faxpipe sim`).
func (c *cluster) startSimulator(ctx context.Context, t *testing.T, load ...string) simRun {
	t.Helper()
	out := t.TempDir()
	if err := os.Chmod(out, 0o777); err != nil { // written by the image's user
		t.Fatal(err)
	}
	args := append([]string{"sim", "-target", "http://ingress:8080", "-api-listen", "", "-providers", everyProvider(),
		"-retry-scale", "0.01", "-linger", "0s", "-report", "/out/report.json"}, load...)
	s := c.service("sender", args...)
	s.binds = append(s.binds, out+":/out")
	return simRun{ctr: s.start(ctx, t, c.publicNet), out: out}
}

// everyProvider names every provider of the registry, comma-separated,
// for the simulator's -providers.
func everyProvider() string {
	var names []string
	for _, s := range provider.Sims {
		names = append(names, string(s.Spec().Name))
	}
	return strings.Join(names, ",")
}

// report waits up to timeout for the simulator to end, successfully, and
// returns its report.
func (s simRun) report(ctx context.Context, t *testing.T, timeout time.Duration) *sim.Report {
	t.Helper()
	err := wait.ForExit().WithExitTimeout(timeout).WaitUntilReady(ctx, s.ctr)
	state, stateErr := s.ctr.State(ctx)
	if err != nil || stateErr != nil || state.ExitCode != 0 {
		t.Fatalf("simulator: %v, exit %+v, %v:\n%s", err, state, stateErr, logTail(s.ctr, 30))
	}
	b, err := os.ReadFile(filepath.Join(s.out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep sim.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	t.Logf("simulator: %d faxes, %d acknowledged callbacks, %d retries, %d given up",
		len(rep.Faxes), rep.Total.Acked, rep.Total.Retries, rep.Total.GivenUp)
	return &rep
}

// ackedFaxes are the faxes of rep with an acknowledged callback, by event id.
func ackedFaxes(rep *sim.Report) map[string]sim.Fax {
	out := map[string]sim.Fax{}
	for _, f := range rep.Faxes {
		if f.Acked {
			out[f.EventID] = f
		}
	}
	return out
}

// awaitLanded waits up to a minute for an event of every acknowledged fax
// of rep after the first since events, then up to 30 s for an announcement
// of every document expected; it returns the events after since and every
// announcement, as they are then: what is missing is for the checks to tell.
func awaitLanded(ctx context.Context, t *testing.T, r reader, rep *sim.Report, since int) ([]consumer.Message[fax.Event], []consumer.Message[fax.DocumentAnnouncement]) {
	t.Helper()
	want := ackedFaxes(rep)
	eventsCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	events, err := poll(eventsCtx, r.events, func(es []consumer.Message[fax.Event]) bool {
		got := map[string]bool{}
		for _, e := range es[min(since, len(es)):] {
			got[e.ID] = true
		}
		return allIn(want, got)
	})
	if err != nil {
		t.Logf("waiting for an event per acknowledged fax: %v", err)
	}
	// A document caught in a failover may wait out a bounded read-back
	// (30 s, see pkg/docstore) and the downloader's backoff before it is
	// stored: 90 s, after the events.
	docsCtx, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	docs, err := poll(docsCtx, r.documents, func(ds []consumer.Message[fax.DocumentAnnouncement]) bool {
		return len(announced(ds, want)) == len(withDocument(want))
	})
	if err != nil {
		t.Logf("waiting for a document per received fax: %v", err)
	}
	return events[min(since, len(events)):], docs
}

func allIn(want map[string]sim.Fax, got map[string]bool) bool {
	for id := range want {
		if !got[id] {
			return false
		}
	}
	return true
}
