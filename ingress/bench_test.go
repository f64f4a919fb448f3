package ingress_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// benchClients is the number of concurrent clients of every load below.
const benchClients = 64

// envelopeSized is a payload of the size of the ingress's envelope of the
// benchmark's callback (efaxInbound, 503 bytes), for the broker-limit
// load: the envelope is 1,136 bytes, give or take the digits of the
// ports in its Host header and remote address.
var envelopeSized = []byte(strings.Repeat("e", 1136))

// benchRounds is how many times the side-by-side loads run in one
// benchmark run: the verdicts are the medians of the rounds' ratios.
const benchRounds = 3

// benchSlice is how many requests one load sends before the next load
// takes its turn: the loads of a round take turns in slices this short
// (a fifth of a second or so), so that a change of the shared machine's
// speed, which lasts seconds, weighs on them alike.
const benchSlice = 4000

// benchLoads are the loads of a round. echo-publish-twin is the floor
// again, a second server with a broker of its own: a control. The two are
// the same code (only their start order and their places in the turns
// differ), so the twin's ratios to the floor show how far chance moves a
// ratio in the run.
var benchLoads = []string{"noop-echo", "echo-publish", "echo-publish-twin", "ingress"}

// benchTurns is the order in which the loads take turns, in whole cycles:
// each load follows each other load exactly once in a cycle, and none waits
// more than half a cycle for its next turn (TestBenchTurnsAreBalanced). A
// slice leaves work behind in the broker and the heap (its stored messages
// being written, its garbage) that the next slice meets; in a plain
// rotation the ingress always followed the floor's publishes and the floor
// only ever followed the no-op handler.
var benchTurns = []string{
	"noop-echo", "echo-publish", "noop-echo", "echo-publish-twin", "echo-publish", "ingress",
	"echo-publish-twin", "noop-echo", "ingress", "echo-publish", "echo-publish-twin", "ingress",
}

// BenchmarkCallbacks measures, with the same callback and concurrency, in
// benchRounds rounds of one run: a no-op Echo handler that reads the body
// (the HTTP limit of this machine); echo-publish, that handler plus one
// JetStream publish of the body, waiting for its acknowledgement (the floor
// of any ingress that answers 200 only once the broker has the callback),
// twice: echo-publish-twin, the same code, is the control; and the ingress
// end to end (HTTP in, verification, envelope, JetStream acknowledgement,
// 200 out, log line, metrics). The floor publishes with nats.go's own
// synchronous publish, not faxpipe's publisher: a reference that faxpipe's
// changes do not move. The four servers (each but the no-op one with a
// broker of its own) run for the whole benchmark; in a round they take
// turns in slices of about benchSlice requests (interleave). Then, once,
// publishes of the envelope's size through faxpipe's publisher from
// benchClients goroutines (the broker limit). It prints the medians, the
// verdicts as RATIO lines and the p99s and the control's ratios as MEASURE
// lines (README "Performance"); absolute numbers drift.
func BenchmarkCallbacks(b *testing.B) {
	rounds := make([]map[string]loadResult, benchRounds)
	defer printLoadRounds(rounds)
	body := efaxInbound
	loads := map[string]func() error{}

	labelLoad("noop-echo")
	noop := echo.New()
	noop.POST("/callbacks/efax/demo", func(c echo.Context) error {
		if _, err := io.Copy(io.Discard, c.Request().Body); err != nil {
			return err
		}
		return c.JSONBlob(http.StatusOK, []byte(`{"status":"SUCCESS"}`))
	})
	loads["noop-echo"] = postLoad(serveBench(b, noop)+"/callbacks/efax/demo", body)

	for _, name := range []string{"echo-publish", "echo-publish-twin"} {
		labelLoad(name)
		loads[name] = postLoad(serveBench(b, floorServer(b))+"/callbacks/efax/demo", body)
	}

	labelLoad("ingress")
	cfg := testIngressConfig()
	cfg.RateLimit = config.RateLimit{AccountRPS: 1e9, AccountBurst: 1e9, ClientRPS: 1e9, ClientBurst: 1e9}
	// A production logger: one JSON line per callback, written out.
	log, err := logging.New(io.Discard, "info", "json")
	if err != nil {
		b.Fatal(err)
	}
	base, _ := startIngressLogging(b, cfg, benchPublisher(b), log)
	loads["ingress"] = postLoad(base+"/callbacks/efax/demo", body)
	labelLoad("")

	for r := range rounds {
		b.Run(fmt.Sprintf("round%d", r+1), func(b *testing.B) {
			rounds[r] = interleave(b, loads)
		})
	}
	b.Run("jetstream-publish", func(b *testing.B) {
		pub := benchPublisher(b)
		var n atomic.Int64
		res := run(b, func() error {
			_, err := pub.Publish(context.Background(), stream.NewMsg("faxpipe.raw.efax.demo", "m"+itoa(n.Add(1)), envelopeSized))
			return err
		})
		if rounds[0] != nil { // printed beside the first round's loads, when it ran
			rounds[0]["jetstream-publish"] = res
		}
	})
}

// floorServer is the floor: an Echo handler that reads the body and
// publishes it with nats.go's synchronous JetStream publish to a broker of
// its own, answering once the broker acknowledged it.
func floorServer(b *testing.B) *echo.Echo {
	js := streamtest.Connect(b, streamtest.Start(b), benchStreams()).JS
	floor := echo.New()
	floor.POST("/callbacks/efax/demo", func(c echo.Context) error {
		data, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		if _, err := js.Publish(c.Request().Context(), "faxpipe.raw.efax.demo", data); err != nil {
			return err
		}
		return c.JSONBlob(http.StatusOK, []byte(`{"status":"SUCCESS"}`))
	})
	return floor
}

// interleave sends b.N requests, the loads taking turns in benchTurns'
// order, in whole cycles of it: as many cycles as slices of benchSlice
// requests need, the requests shared out evenly among the slices. Each
// slice is sent from benchClients goroutines. It reports each load's rate
// and p99.
func interleave(b *testing.B, loads map[string]func() error) map[string]loadResult {
	b.Helper()
	type acc struct {
		lat     []time.Duration
		elapsed time.Duration
		cpu     time.Duration
	}
	accs := map[string]*acc{}
	for _, name := range benchLoads {
		accs[name] = &acc{}
	}
	cycle := len(benchTurns) * benchSlice
	turns := (b.N + cycle - 1) / cycle * len(benchTurns)
	b.ResetTimer()
	for i := range turns {
		name := benchTurns[i%len(benchTurns)]
		n := b.N / turns
		if i < b.N%turns {
			n++
		}
		a := accs[name]
		labelLoad(name + "/client")
		elapsed, cpu, err := slice(loads[name], n, &a.lat)
		labelLoad("")
		if err != nil {
			b.Fatalf("%s: %v", name, err)
		}
		a.elapsed += elapsed
		a.cpu += cpu
	}
	b.StopTimer()
	out := map[string]loadResult{}
	for name, a := range accs {
		if len(a.lat) == 0 {
			continue
		}
		out[name] = newLoadResult(a.lat, a.elapsed, a.cpu)
		b.ReportMetric(out[name].rate, name+"-req/s")
		b.ReportMetric(out[name].p99, name+"-p99-ms")
	}
	return out
}

// benchPublisher publishes to FAXPIPE_RAW of a fresh in-process broker,
// pipelined as the ingress's is.
func benchPublisher(b *testing.B) *stream.Publisher {
	ns := streamtest.Start(b)
	conn := streamtest.Connect(b, ns, benchStreams())
	conn.Limits = stream.PublishLimits{MaxPending: 4096, Timeout: 3 * time.Second}
	return stream.NewPublisher(conn, fax.RawStream)
}

// benchStreams is the default topology with room in FAXPIPE_RAW for every
// callback of a long benchmark run.
func benchStreams() config.Streams {
	s := config.Default().Streams
	s.Raw.MaxBytes = 16 << 30
	return s
}

func serveBench(b *testing.B, h http.Handler) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	served := make(chan struct{})
	go func() { defer close(served); _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close(); <-served })
	return "http://" + ln.Addr().String()
}

// postLoad is one POST of body to url, answered 200, over a client of
// benchClients connections.
func postLoad(url, body string) func() error {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients}}
	return func() error {
		resp, err := client.Post(url, "application/json", strings.NewReader(body))
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return &statusError{resp.StatusCode}
		}
		return nil
	}
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "status " + itoa(int64(e.code)) }

// loadResult is what one load achieved; cpu is the process's CPU time per
// request (client, server and broker together), a second view of the cost
// beside the rate (on a shared machine both move from run to run).
type loadResult struct{ rate, p50, p99, cpu float64 }

// printLoadRounds prints each load's medians over the rounds side by
// side, as the README shows them, then the verdicts: RATIO lines, each the
// median of the rounds' ratios, and the p99s beside the floor's.
func printLoadRounds(rounds []map[string]loadResult) {
	rounds = slices.DeleteFunc(slices.Clone(rounds), func(r map[string]loadResult) bool { return r == nil }) // a -bench of some rounds only
	// perRound is num's f over den's in each round that ran both.
	perRound := func(num, den string, f func(loadResult) float64) []float64 {
		var rs []float64
		for _, r := range rounds {
			n, ok1 := r[num]
			d, ok2 := r[den]
			if ok1 && ok2 && f(d) > 0 {
				rs = append(rs, f(n)/f(d))
			}
		}
		return rs
	}
	ratio := func(num, den string, f func(loadResult) float64) (float64, bool) {
		rs := perRound(num, den, f)
		if len(rs) == 0 {
			return 0, false
		}
		return streamtest.Median(rs), true
	}
	rate := func(x loadResult) float64 { return x.rate }
	noop, ok := ratio("noop-echo", "noop-echo", rate)
	if !ok || noop == 0 {
		return
	}
	fmt.Printf("\n| load (%d clients), median of %d rounds | req/s | p50 ms | p99 ms | vs no-op HTTP | vs echo-publish | CPU µs/req |\n|---|---|---|---|---|---|---|\n", benchClients, len(rounds))
	for _, name := range append(slices.Clone(benchLoads), "jetstream-publish") {
		med := func(f func(loadResult) float64) float64 {
			var xs []float64
			for _, r := range rounds {
				if x, ok := r[name]; ok {
					xs = append(xs, f(x))
				}
			}
			return streamtest.Median(xs)
		}
		vsNoop, ok := ratio(name, "noop-echo", rate)
		if !ok {
			continue
		}
		vsFloor, _ := ratio(name, "echo-publish", rate)
		fmt.Printf("| %s | %.0f | %.2f | %.2f | %.0f%% | %.0f%% | %.0f |\n", name, med(rate),
			med(func(x loadResult) float64 { return x.p50 }), med(func(x loadResult) float64 { return x.p99 }),
			100*vsNoop, 100*vsFloor, med(func(x loadResult) float64 { return x.cpu }))
	}
	if r, ok := ratio("ingress", "echo-publish", rate); ok {
		fmt.Printf("RATIO ingress/echo-publish=%.3f\n", r)
	}
	if r, ok := ratio("ingress", "noop-echo", rate); ok {
		fmt.Printf("RATIO ingress/noop=%.3f\n", r)
	}
	p99 := func(x loadResult) float64 { return x.p99 }
	// Each round's ratio beside the median: the rounds of one run differ
	// by a few percent, as much as the ingress and the floor do.
	rounded := func(num, den string, f func(loadResult) float64) string {
		var each []string
		for _, x := range perRound(num, den, f) {
			each = append(each, fmt.Sprintf("%.3f", x))
		}
		return strings.Join(each, " ")
	}
	if r, ok := ratio("ingress", "echo-publish", p99); ok {
		fmt.Printf("MEASURE p99 ingress/echo-publish=%.3f (rounds %s; at or below 1: the ingress's p99 no worse than the floor's)\n", r, rounded("ingress", "echo-publish", p99))
	}
	if r, ok := ratio("echo-publish-twin", "echo-publish", p99); ok {
		fmt.Printf("MEASURE p99 echo-publish-twin/echo-publish=%.3f (rounds %s; the floor against a copy of itself: how far a p99 ratio strays from 1 by chance in this run)\n", r, rounded("echo-publish-twin", "echo-publish", p99))
	}
	if r, ok := ratio("echo-publish-twin", "echo-publish", rate); ok {
		fmt.Printf("MEASURE rate echo-publish-twin/echo-publish=%.3f (rounds %s; likewise for a rate ratio)\n", r, rounded("echo-publish-twin", "echo-publish", rate))
	}
}

// run calls op b.N times from benchClients goroutines and reports
// throughput and latency percentiles.
func run(b *testing.B, op func() error) loadResult {
	b.Helper()
	var lat []time.Duration
	b.ResetTimer()
	elapsed, cpu, err := slice(op, b.N, &lat)
	b.StopTimer()
	if err != nil {
		b.Fatalf("an operation failed: %v", err)
	}
	res := newLoadResult(lat, elapsed, cpu)
	b.ReportMetric(res.rate, "req/s")
	b.ReportMetric(res.p50, "p50-ms")
	b.ReportMetric(res.p99, "p99-ms")
	b.ReportMetric(res.cpu, "cpu-µs/op")
	return res
}

// slice calls op n times from benchClients goroutines, appends each call's
// latency to lat, and returns the time it took, the process's CPU time
// meanwhile, and an error of a failed call, if any.
func slice(op func() error, n int, lat *[]time.Duration) (time.Duration, time.Duration, error) {
	at := len(*lat)
	*lat = slices.Grow(*lat, n)[:at+n]
	mine := (*lat)[at:]
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start, cpu := time.Now(), streamtest.ProcessCPU()
	for range benchClients {
		wg.Go(func() {
			for i := next.Add(1) - 1; i < int64(n); i = next.Add(1) - 1 {
				t0 := time.Now()
				if err := op(); err != nil {
					failed.Store(err)
				}
				mine[i] = time.Since(t0)
			}
		})
	}
	wg.Wait()
	elapsed, cpu := time.Since(start), streamtest.ProcessCPU()-cpu
	err, _ := failed.Load().(error)
	return elapsed, cpu, err
}

// newLoadResult is the rate, percentiles and CPU per request of the
// requests of latencies lat, sent in elapsed using cpu.
func newLoadResult(lat []time.Duration, elapsed, cpu time.Duration) loadResult {
	sorted := slices.Clone(lat)
	slices.Sort(sorted)
	return loadResult{
		rate: float64(len(lat)) / elapsed.Seconds(),
		p50:  float64(sorted[len(sorted)/2].Microseconds()) / 1000,
		p99:  float64(sorted[len(sorted)*99/100].Microseconds()) / 1000,
		cpu:  float64(cpu.Microseconds()) / float64(len(lat)),
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// labelLoad labels the calling goroutine, and every goroutine it starts
// from now on, with the load it serves (none when empty), so that a CPU
// profile of the benchmark (-cpuprofile; go tool pprof -tagfocus) splits
// each load's cost into its clients, its HTTP server and its broker: a
// server or broker started under a label passes it to the goroutines it
// starts, its connections' among them.
func labelLoad(name string) {
	ctx := context.Background()
	if name != "" {
		ctx = pprof.WithLabels(ctx, pprof.Labels("load", name))
	}
	pprof.SetGoroutineLabels(ctx)
}

// TestBenchTurnsAreBalanced: in benchTurns, read as a cycle, every load of
// benchLoads follows every other load exactly once and never itself, so no
// load of the benchmark always meets what the same other load left behind;
// and no load waits more than half a cycle for its next turn, so that a
// change of the machine's speed over a few slices weighs on all alike.
func TestBenchTurnsAreBalanced(t *testing.T) {
	follows := map[[2]string]int{}
	last := map[string]int{} // each load's last turn in the cycle
	for i, name := range benchTurns {
		if !slices.Contains(benchLoads, name) {
			t.Fatalf("benchTurns[%d] = %q is no load of benchLoads", i, name)
		}
		follows[[2]string{benchTurns[(i+len(benchTurns)-1)%len(benchTurns)], name}]++
		last[name] = i
	}
	for i, name := range benchTurns {
		// The turns since name's previous one, counting round the cycle.
		wait := (i - last[name] + len(benchTurns)) % len(benchTurns)
		if wait == 0 { // its only turn: it waits a whole cycle
			wait = len(benchTurns)
		}
		if wait > len(benchTurns)/2 {
			t.Errorf("benchTurns[%d]: %s waits %d turns since its previous one, more than half the cycle", i, name, wait)
		}
		last[name] = i
	}
	for _, before := range benchLoads {
		for _, after := range benchLoads {
			want := 1
			if before == after {
				want = 0
			}
			if got := follows[[2]string{before, after}]; got != want {
				t.Errorf("%s follows %s %d times in a cycle of benchTurns, want %d", after, before, got, want)
			}
		}
	}
}
