package docker

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/testcontainers/testcontainers-go"
)

// The failover's load and faults: a simulator sends failoverRate faxes a
// second for failoverRun while the cycle of faults (about 25 s: the ingress
// cut off, the raw stream's leader killed, then the new leader paused) runs
// once, or, in `make soak`, again and again.
var failoverRun = length(22*time.Second, 3*time.Minute)

const (
	failoverRate = 10
	faultCycle   = 25 * time.Second
	cutOff       = 5 * time.Second // the ingress off the cluster network
	killedFor    = 3 * time.Second // the raw stream's leader down
	pausedFor    = 4 * time.Second // the raw stream's next leader frozen
	recoveryMax  = 30 * time.Second
)

// fault is one fault injected and when it lasted; recovery is how long
// faxpipe took to be whole again once it was lifted, as recovered tells.
type fault struct {
	kind      string // what was done, the same in every cycle
	node      string // the node it was done to, if any
	recovered string // with %s for recovery; empty if not measured
	recovery  time.Duration
	from, to  time.Time
}

// failover injects faults into a running cluster and keeps what it did.
type failover struct {
	t      *testing.T
	c      *cluster
	r      reader
	faults []fault
	probes map[string]int // fax id of each callback sent from the host → its answer's status
	// The times the ingress was cut off; meanwhile, the callbacks sent from
	// the host, those answered 503 with Retry-After, and the /readyz 503s.
	cuts, cutSent, cutShed, cutUnready int
}

// brokerLoss: under steady load from a simulator container (every
// provider), the ingress is cut off from the cluster network and joins it
// again, the raw stream's leader is killed and restarted, and the new
// leader is paused. While cut off, the ingress answers 503 (never 200) and
// is not ready; once back it answers 200 again. Every acknowledged
// callback is exactly one event, every other at most one, and every
// received fax's document is stored once. A FIGURE line tells the faults,
// the 503s and retries, and the callbacks' latency during the faults.
// Sfax's suspension of an account's callbacks after 20 failed attempts in a
// row is off: a suspended account would send nothing more to measure.
func brokerLoss(ctx context.Context, t *testing.T, c *cluster) {
	f := &failover{t: t, c: c, r: c.newReader(t), probes: map[string]int{}}
	since := f.r.eventCount(ctx, t)
	shed503 := map[string]string{"code": "503"}
	shedBefore := counter(ctx, t, c.admin["ingress"], "faxpipe_ingress_requests_total", shed503)
	run := c.startSimulator(ctx, t, "-rate", strconv.Itoa(failoverRate), "-duration", failoverRun.String(),
		"-allow-give-up", "-sfax-suspend-after", "-1")
	end := time.Now().Add(failoverRun)
	for len(f.faults) == 0 || time.Until(end) > faultCycle {
		f.cycle(ctx)
	}
	rep := run.report(ctx, t, failoverRun+2*time.Minute)
	// -allow-give-up lets the simulator end well whatever it was answered:
	// a cluster that acknowledged nothing would lose nothing acknowledged.
	if rep.Total.Acked == 0 {
		t.Fatalf("the simulator got no callback acknowledged: %+v", rep.Total)
	}
	f.awaitProbes(ctx, since)
	events, docs := awaitLanded(ctx, t, f.r, rep, since)
	tl := checkLanded(ctx, t, f.r, rep, f.checkProbes(events), docs)
	shed := counter(ctx, t, c.admin["ingress"], "faxpipe_ingress_requests_total", shed503) - shedBefore
	figure(t, "container failover (3 nodes, R3, Docker)",
		fmt.Sprintf("%d faxes/s for %s, %s", failoverRate, failoverRun, strings.ReplaceAll(everyProvider(), ",", "+")),
		fmt.Sprintf("%s; while cut off the ingress answered %d of %d callbacks from the host 503 and /readyz 503 %d of %d times; "+
			"%.0f answers 503 in all, %d retries, %d given up; during the faults: %s",
			summary(f.faults), f.cutShed, f.cutSent, f.cutUnready, f.cuts, shed, rep.Total.Retries, rep.Total.GivenUp,
			latencyDuring(rep, f.faults)), tl)
}

// cycle injects each fault once, a moment apart.
func (f *failover) cycle(ctx context.Context) {
	sleep(ctx, 2*time.Second)
	f.cutIngress(ctx)
	sleep(ctx, time.Second)
	f.killRawLeader(ctx)
	sleep(ctx, time.Second)
	f.pauseRawLeader(ctx)
}

// cutIngress disconnects the ingress from the cluster network for about
// cutOff, in which it must not be ready and must answer the callbacks sent
// from the host 503 with Retry-After; then it connects it again and waits
// for a 200.
func (f *failover) cutIngress(ctx context.Context) {
	t, id := f.t, f.c.ingressC.GetContainerID()
	f.docker(ctx, "network", "disconnect", f.c.clusterNet, id)
	from := time.Now()
	f.cuts++
	ready, err := httpStatus(ctx, f.ingressURL(ctx, "9090/tcp")+"/readyz")
	if err != nil || ready != http.StatusServiceUnavailable {
		t.Errorf("ingress cut off from NATS: /readyz %d (%v), want 503", ready, err)
	} else {
		f.cutUnready++
	}
	for n := 0; n == 0 || time.Since(from) < cutOff; n++ {
		resp, err := f.probe(ctx)
		f.cutSent++
		switch {
		case err != nil:
			t.Errorf("callback while the ingress is cut off: %v", err)
			sleep(ctx, 500*time.Millisecond)
		case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
			f.cutShed++
		default:
			t.Errorf("ingress cut off from NATS answered %d (Retry-After %q), want 503 with Retry-After",
				resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	f.docker(ctx, "network", "connect", "--alias", "ingress", f.c.clusterNet, id)
	back := time.Now()
	f.awaitAnswer(ctx, http.StatusOK)
	f.add(fault{kind: fmt.Sprintf("ingress cut off from NATS for %s", cutOff), recovered: "200 again %s after reconnecting",
		recovery: elapsed(back), from: from, to: time.Now()})
}

// killRawLeader kills the node leading FAXPIPE_RAW, restarts it after
// killedFor (on its store as it was) and waits until it is healthy: caught
// up on every stream.
func (f *failover) killRawLeader(ctx context.Context) {
	name, node := f.rawLeader(ctx)
	f.docker(ctx, "kill", node.GetContainerID())
	from := time.Now()
	sleep(ctx, killedFor)
	if err := node.Start(ctx); err != nil {
		f.t.Fatalf("restart %s: %v", name, err)
	}
	restarted := time.Now()
	healthz := "http://" + endpoint(ctx, f.t, node, "8222/tcp") + "/healthz"
	waitCtx, cancel := context.WithTimeout(ctx, recoveryMax)
	defer cancel()
	waitFor(waitCtx, f.t, name+" healthy", func(ctx context.Context) (int, error) { return httpStatus(ctx, healthz) },
		func(status int) bool { return status == http.StatusOK })
	f.add(fault{kind: fmt.Sprintf("raw-stream leader killed for %s", killedFor), node: name,
		recovered: "healthy again %s after its restart", recovery: elapsed(restarted), from: from, to: time.Now()})
}

// pauseRawLeader freezes the node leading FAXPIPE_RAW (docker pause) for
// pausedFor: a leader that neither answers nor drops its connections.
func (f *failover) pauseRawLeader(ctx context.Context) {
	name, node := f.rawLeader(ctx)
	id := node.GetContainerID()
	f.docker(ctx, "pause", id)
	from := time.Now()
	sleep(ctx, pausedFor)
	f.docker(ctx, "unpause", id)
	f.add(fault{kind: fmt.Sprintf("raw-stream leader paused for %s", pausedFor), node: name, from: from, to: time.Now()})
}

// rawLeader is the node leading FAXPIPE_RAW, by name and as a container.
func (f *failover) rawLeader(ctx context.Context) (string, testcontainers.Container) {
	name := f.r.streamLeader(ctx, f.t, fax.RawStream)
	node, ok := f.c.nodes[name]
	if !ok {
		f.t.Fatalf("FAXPIPE_RAW's leader %q is none of %v", name, natsNodes)
	}
	return name, node
}

func (f *failover) add(x fault) {
	what := x.kind
	if x.node != "" {
		what += " (" + x.node + ")"
	}
	if x.recovered != "" {
		what += ", " + fmt.Sprintf(x.recovered, x.recovery)
	}
	f.t.Logf("%s: %s, lifted after %s", x.from.Format("15:04:05.000"), what, x.to.Sub(x.from).Round(10*time.Millisecond))
	f.faults = append(f.faults, x)
}

// summary tells each kind of fault once: how often, and its longest
// recovery.
func summary(faults []fault) string {
	var kinds []string
	n, worst := map[string]int{}, map[string]fault{}
	for _, x := range faults {
		if n[x.kind] == 0 {
			kinds = append(kinds, x.kind)
		}
		n[x.kind]++
		if x.recovery >= worst[x.kind].recovery {
			worst[x.kind] = x
		}
	}
	var out []string
	for _, k := range kinds {
		s, w, recovery := k, worst[k], worst[k].recovery.String()
		if n[k] > 1 {
			s, recovery = fmt.Sprintf("%s, %d times", k, n[k]), "≤ "+recovery
		}
		if w.recovered != "" {
			s += " (" + fmt.Sprintf(w.recovered, recovery) + ")"
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func (f *failover) docker(ctx context.Context, args ...string) {
	f.t.Helper()
	if _, err := dockerCLI(ctx, args...); err != nil {
		f.t.Fatal(err)
	}
}

// ingressURL is the ingress's port (8080/tcp, 9090/tcp) as published now.
func (f *failover) ingressURL(ctx context.Context, port string) string {
	return "http://" + endpoint(ctx, f.t, f.c.ingressC, port)
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

func elapsed(t time.Time) time.Duration { return time.Since(t).Round(10 * time.Millisecond) }
