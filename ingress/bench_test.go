package ingress_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// benchClients is the number of concurrent clients of every load below.
const benchClients = 64

// envelopeSized is a payload of the size of the ingress's envelope of the
// benchmark's callback (efaxInbound), for the broker-limit load.
var envelopeSized = []byte(strings.Repeat("e", 1400))

// benchRounds is how many times the side-by-side loads run in one
// benchmark run: the verdicts are the medians of the rounds' ratios.
const benchRounds = 3

// BenchmarkCallbacks measures, with the same callback and concurrency, in
// benchRounds rounds of one run: a no-op Echo handler that reads the body
// (the HTTP limit of this machine); echo-publish, that handler plus one
// JetStream publish of the body, waiting for its acknowledgement (the floor
// of any ingress that answers 200 only once the broker has the callback);
// and the ingress end to end (HTTP in, verification, envelope, JetStream
// acknowledgement, 200 out, log line, metrics). The floor publishes with
// nats.go's own synchronous publish, not faxpipe's publisher: a reference
// that faxpipe's changes do not move. Then once a pipelined JetStream
// publish loop of the envelope's size (the broker limit). It prints the medians and the verdicts as RATIO lines (README
// "Performance"); absolute numbers drift.
func BenchmarkCallbacks(b *testing.B) {
	rounds := make([]map[string]loadResult, benchRounds)
	defer printLoadRounds(rounds)
	body := efaxInbound
	for r := range rounds {
		rounds[r] = map[string]loadResult{}
		b.Run(fmt.Sprintf("round%d/noop-echo", r+1), func(b *testing.B) {
			e := echo.New()
			e.POST("/callbacks/efax/demo", func(c echo.Context) error {
				if _, err := io.Copy(io.Discard, c.Request().Body); err != nil {
					return err
				}
				return c.JSONBlob(http.StatusOK, []byte(`{"status":"SUCCESS"}`))
			})
			base := serveBench(b, e)
			rounds[r]["noop-echo"] = loadHTTP(b, base+"/callbacks/efax/demo", body)
		})
		b.Run(fmt.Sprintf("round%d/echo-publish", r+1), func(b *testing.B) {
			js := streamtest.Connect(b, streamtest.Start(b), config.Default().Streams).JS
			e := echo.New()
			e.POST("/callbacks/efax/demo", func(c echo.Context) error {
				data, err := io.ReadAll(c.Request().Body)
				if err != nil {
					return err
				}
				if _, err := js.Publish(c.Request().Context(), "faxpipe.raw.efax.demo", data); err != nil {
					return err
				}
				return c.JSONBlob(http.StatusOK, []byte(`{"status":"SUCCESS"}`))
			})
			base := serveBench(b, e)
			rounds[r]["echo-publish"] = loadHTTP(b, base+"/callbacks/efax/demo", body)
		})
		b.Run(fmt.Sprintf("round%d/ingress", r+1), func(b *testing.B) {
			cfg := testIngressConfig()
			cfg.RateLimit = config.RateLimit{AccountRPS: 1e9, AccountBurst: 1e9, ClientRPS: 1e9, ClientBurst: 1e9}
			// A production logger: one JSON line per callback, written out.
			log, err := logging.New(io.Discard, "info", "json")
			if err != nil {
				b.Fatal(err)
			}
			base, _ := startIngressLogging(b, cfg, benchPublisher(b), log)
			rounds[r]["ingress"] = loadHTTP(b, base+"/callbacks/efax/demo", body)
		})
	}
	b.Run("jetstream-publish", func(b *testing.B) {
		pub := benchPublisher(b)
		var n atomic.Int64
		rounds[0]["jetstream-publish"] = run(b, func() error {
			_, err := pub.Publish(context.Background(), stream.NewMsg("faxpipe.raw.efax.demo", "m"+itoa(n.Add(1)), envelopeSized))
			return err
		})
	})
}

// benchPublisher publishes to FAXPIPE_RAW of a fresh in-process broker,
// pipelined as the ingress's is.
func benchPublisher(b *testing.B) *stream.Publisher {
	ns := streamtest.Start(b)
	conn := streamtest.Connect(b, ns, config.Default().Streams,
		jetstream.WithPublishAsyncMaxPending(4096), jetstream.WithPublishAsyncTimeout(3*time.Second))
	return stream.NewPublisher(conn, fax.RawStream)
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

func loadHTTP(b *testing.B, url, body string) loadResult {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients, MaxConnsPerHost: benchClients}}
	return run(b, func() error {
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
	})
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
	ratio := func(num, den string, f func(loadResult) float64) (float64, bool) {
		var rs []float64
		for _, r := range rounds {
			n, ok1 := r[num]
			d, ok2 := r[den]
			if ok1 && ok2 && f(d) > 0 {
				rs = append(rs, f(n)/f(d))
			}
		}
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
	for _, name := range []string{"noop-echo", "echo-publish", "ingress", "jetstream-publish"} {
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
	if r, ok := ratio("ingress", "echo-publish", func(x loadResult) float64 { return x.p99 }); ok {
		fmt.Printf("MEASURE p99 ingress/echo-publish=%.3f (at or below 1: the ingress's p99 no worse than the floor's)\n", r)
	}
}

// run calls op b.N times from benchClients goroutines and reports
// throughput and latency percentiles.
func run(b *testing.B, op func() error) loadResult {
	b.Helper()
	lat := make([]time.Duration, b.N)
	var next atomic.Int64
	var failed atomic.Value
	b.SetParallelism((benchClients + 1) / max(1, runtimeProcs()))
	b.ResetTimer()
	start, cpu := time.Now(), streamtest.ProcessCPU()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t0 := time.Now()
			if err := op(); err != nil {
				failed.Store(err)
			}
			if i := next.Add(1) - 1; i < int64(len(lat)) {
				lat[i] = time.Since(t0)
			}
		}
	})
	elapsed, cpu := time.Since(start), streamtest.ProcessCPU()-cpu
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatalf("an operation failed: %v", err)
	}
	slices.Sort(lat)
	res := loadResult{
		rate: float64(b.N) / elapsed.Seconds(),
		p50:  float64(lat[len(lat)/2].Microseconds()) / 1000,
		p99:  float64(lat[len(lat)*99/100].Microseconds()) / 1000,
		cpu:  float64(cpu.Microseconds()) / float64(b.N),
	}
	b.ReportMetric(res.rate, "req/s")
	b.ReportMetric(res.p50, "p50-ms")
	b.ReportMetric(res.p99, "p99-ms")
	b.ReportMetric(res.cpu, "cpu-µs/op")
	return res
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
