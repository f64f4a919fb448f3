package docker

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// soak is set by `make soak` (FAXPIPE_SOAK=1): the failover then goes on for
// minutes instead of seconds, as pkg/e2e's suites do.
var soak = os.Getenv("FAXPIPE_SOAK") != ""

// length is short in `make test` and long in `make soak`.
func length(short, long time.Duration) time.Duration {
	if soak {
		return long
	}
	return short
}

// figure logs one line of the README's reliability table, in the form
// pkg/e2e's suites print and `make soak` shows.
func figure(t *testing.T, suite, load, faults string, tl tally) {
	t.Helper()
	unreadable := ""
	if tl.unreadable > 0 {
		unreadable = fmt.Sprintf(" (and %d announced stored that do not read back)", tl.unreadable)
	}
	t.Logf("FIGURE | %s | %s | %s | %d acked callbacks → %d events, %d documents%s | lost or doubled: %d |",
		suite, load, faults, tl.acked, tl.events, tl.documents, unreadable, tl.lostOrDoubled)
}

// latencies are the spread of how long acknowledged callbacks took, from
// their first attempt to the attempt that got its 200.
type latencies struct {
	n             int
	p50, p99, max time.Duration
}

func (l latencies) String() string {
	return fmt.Sprintf("%d callbacks, first attempt→acknowledged attempt p50 %s, p99 %s, max %s", l.n, l.p50, l.p99, l.max)
}

// latencyDuring is the latency of rep's acknowledged callbacks whose
// attempts overlapped one of the faults.
func latencyDuring(rep *sim.Report, faults []fault) latencies {
	var d []time.Duration
	for _, f := range rep.Faxes {
		for _, c := range f.Callbacks {
			if c.Acked && !c.FirstSentAt.IsZero() && slices.ContainsFunc(faults, func(x fault) bool {
				return !c.FirstSentAt.After(x.to) && !c.LastSentAt.Before(x.from)
			}) {
				d = append(d, c.LastSentAt.Sub(c.FirstSentAt))
			}
		}
	}
	if len(d) == 0 {
		return latencies{}
	}
	slices.Sort(d)
	at := func(q float64) time.Duration { return d[min(len(d)-1, int(q*float64(len(d))))].Round(time.Millisecond) }
	return latencies{n: len(d), p50: at(0.5), p99: at(0.99), max: d[len(d)-1].Round(time.Millisecond)}
}

// counter is the sum of the samples of the counter name on the admin
// endpoint base whose labels include every pair of match.
func counter(ctx context.Context, t *testing.T, base, name string, match map[string]string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("metrics of %s: %v", base, err)
	}
	var sum float64
	for _, m := range families[name].GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if matches(labels, match) {
			sum += m.GetCounter().GetValue()
		}
	}
	return sum
}

func matches(labels, match map[string]string) bool {
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	return true
}
