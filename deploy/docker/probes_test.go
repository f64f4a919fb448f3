package docker

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// probe sends a GoFax callback of a new fax from the host to the ingress
// (through the public network) and keeps its answer.
func (f *failover) probe(ctx context.Context) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	id := randomFaxID()
	resp, err := gofaxCallback(ctx, f.ingressURL(ctx, "8080/tcp"), id)
	if err == nil {
		f.probes[id] = resp.StatusCode
	}
	return resp, err
}

// awaitAnswer probes until the ingress answers status, within recoveryMax.
func (f *failover) awaitAnswer(ctx context.Context, status int) {
	ctx, cancel := context.WithTimeout(ctx, recoveryMax)
	defer cancel()
	waitFor(ctx, f.t, fmt.Sprintf("the ingress answering %d", status), func(ctx context.Context) (int, error) {
		resp, err := f.probe(ctx)
		if err != nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}, func(got int) bool { return got == status })
}

// awaitProbes waits until every probe answered 200 is an event after the
// first since.
func (f *failover) awaitProbes(ctx context.Context, since int) {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	waitFor(ctx, f.t, "an event per probe answered 200", f.r.events, func(es []consumer.Message[fax.Event]) bool {
		n := f.probeEvents(es[min(since, len(es)):])
		for id, status := range f.probes {
			if status == http.StatusOK && n[id] == 0 {
				return false
			}
		}
		return true
	})
}

// checkProbes: each probe answered 200 is exactly one event, each answered
// 503 at most one (its envelope may have been stored, its answer lost). It
// returns the events that are not the probes'.
func (f *failover) checkProbes(events []consumer.Message[fax.Event]) []consumer.Message[fax.Event] {
	n := f.probeEvents(events)
	for id, status := range f.probes {
		switch {
		case status == http.StatusOK && n[id] != 1:
			f.t.Errorf("probe fax %s, answered 200: %d events, want exactly 1", id, n[id])
		case n[id] > 1:
			f.t.Errorf("probe fax %s, answered %d: %d events, want at most 1", id, status, n[id])
		}
	}
	var rest []consumer.Message[fax.Event]
	for _, e := range events {
		if _, ok := f.probes[e.Data.FaxID]; !ok || e.Data.Provider != fax.GoFax {
			rest = append(rest, e)
		}
	}
	return rest
}

// probeEvents counts the events of each probe's fax.
func (f *failover) probeEvents(events []consumer.Message[fax.Event]) map[string]int {
	n := map[string]int{}
	for _, e := range events {
		if _, ok := f.probes[e.Data.FaxID]; ok && e.Data.Provider == fax.GoFax {
			n[e.Data.FaxID]++
		}
	}
	return n
}

// httpStatus is the status of a GET of url.
func httpStatus(ctx context.Context, url string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, resp.Body.Close()
}
