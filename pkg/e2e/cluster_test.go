package e2e

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestClusterFailover: on a 3-node JetStream cluster with R3 streams, under
// load, the raw stream's leader is SIGKILLed (and later restarted), then
// another server is frozen (SIGSTOP) for a while. No acknowledged callback
// is lost or doubled; the figures report the answers shed and the callback
// latency around the failovers. (Cutting the ingress off the cluster's
// network is in the container suite, deploy/docker.)
func TestClusterFailover(t *testing.T) {
	p := startPipeline(t, pipelineOptions{cluster: true})
	js := connect(t, p.natsURL)
	run := length(15*time.Second, 60*time.Second)
	const rate = 15
	// Retries at 1/20 of the providers' pace, as in TestBrokerLoss: every
	// provider's retries then still span the failovers (Telnyx's, the
	// shortest, 5 minutes, become 15 s; at 1/100 they were shorter than a
	// leader's election, which real time would never make them).
	s := startSim(t, p, sim.Options{Rate: rate, Duration: run, Concurrency: 16, Seed: 19, RetryScale: 0.05,
		SfaxSuspendAfter: -1}) // as in TestBrokerLoss
	var faults []string
	killed := p.servers[0]
	// The faults are injected off the test goroutine, which must not fail
	// the test: what goes wrong is kept in faults, which the test checks.
	chaos := every(t, run/4, func(i int) {
		switch i {
		case 0:
			leader, err := streamLeader(js, fax.RawStream)
			if err != nil {
				faults = append(faults, err.Error())
				return
			}
			at := slices.IndexFunc(p.servers, func(s natsNode) bool { return s.name == leader })
			if at < 0 {
				faults = append(faults, "the raw stream's leader "+leader+" is no nats-server of the cluster")
				return
			}
			killed = p.servers[at]
			killed.Kill()
			time.Sleep(3 * time.Second)
			start := time.Now()
			if err := killed.TryRestart(); err != nil {
				faults = append(faults, err.Error())
				return
			}
			rejoined := "NOT healthy 60s after its restart"
			if healthy(killed, 60*time.Second) {
				rejoined = "healthy again " + time.Since(start).Round(100*time.Millisecond).String() + " after its restart"
			}
			faults = append(faults, fmt.Sprintf("killed raw-stream leader %s for 3s (%s)", leader, rejoined))
		case 1:
			node := otherThan(p, killed.name)
			node.Pause()
			faults = append(faults, "froze "+node.name+" 4s")
			time.Sleep(4 * time.Second)
			node.Resume()
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), run+90*time.Second)
	defer cancel()
	r, err := s.Run(ctx)
	chaos()
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	tl := verify(t, r, awaitLanded(t, js, r, 90*time.Second))
	// "Nothing lost" means nothing only if callbacks were acknowledged: a
	// cluster refusing everything would lose nothing. As in TestBrokerLoss,
	// the providers keep retrying, so none may be given up.
	if tl.acked == 0 {
		t.Errorf("no callback acknowledged of %d faxes sent: the run did not exercise the cluster", len(r.Faxes))
	}
	if g := r.GivenUp(); len(g) > 0 {
		t.Errorf("%d callbacks given up by the providers despite their retries: %v", len(g), g[:min(len(g), 5)])
	}
	if len(faults) != 2 || !strings.HasPrefix(faults[0], "killed") || strings.Contains(faults[0], "NOT") || !strings.HasPrefix(faults[1], "froze") {
		t.Errorf("faults injected: %v; want a leader killed and a server frozen", faults)
	}
	shed := scrape(t, p.admin["ingress"], "faxpipe_ingress_requests_total", map[string]string{"code": "503"})
	lat := ackLatencies(r)
	figure(t, "cluster failover (3 nodes, R3)", fmt.Sprintf("%d faxes/s for %s", rate, run),
		fmt.Sprintf("%s; %.0f answers 503, %d retries; callback→200 p50 %s, p99 %s, max %s",
			strings.Join(faults, ", "), shed, r.Total.Retries, lat.p50, lat.p99, lat.max), tl)
}

// streamLeader is the name of the server leading stream name, once there
// is one (up to 30 s: an election may be under way).
func streamLeader(js jetstream.JetStream, name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		s, err := js.Stream(ctx, name)
		if err == nil {
			var info *jetstream.StreamInfo
			if info, err = s.Info(ctx); err == nil && info.Cluster != nil && info.Cluster.Leader != "" {
				return info.Cluster.Leader, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("%s has no leader: %w", name, errors.Join(err, ctx.Err()))
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// otherThan names a server that is not name.
func otherThan(p *pipeline, name string) natsNode {
	for _, s := range p.servers {
		if s.name != name {
			return s
		}
	}
	return p.servers[0]
}

// healthy waits up to timeout for s's /healthz.
func healthy(s natsNode, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for !httpOK(ctx, s.mon+"/healthz") {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	return true
}
