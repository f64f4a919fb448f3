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
// benchmark's callback (efaxInbound), for the loads that publish without
// building one.
var envelopeSized = []byte(strings.Repeat("e", 1400))

// BenchmarkCallbacks measures, with the same payload and concurrency in one
// run: the ingress end to end (HTTP in, JetStream ack, 200 out); a no-op
// Echo handler that reads the body (the HTTP limit of this machine); and a
// pipelined JetStream publish loop of the same envelope (the broker limit).
// Compare the req/s figures side by side; absolute numbers drift.
func BenchmarkCallbacks(b *testing.B) {
	results := map[string]loadResult{}
	defer printLoadTable(results)
	body := efaxInbound
	b.Run("noop-echo", func(b *testing.B) {
		e := echo.New()
		e.POST("/callbacks/efax/demo", func(c echo.Context) error {
			if _, err := io.Copy(io.Discard, c.Request().Body); err != nil {
				return err
			}
			return c.JSONBlob(http.StatusOK, []byte(`{"status":"SUCCESS"}`))
		})
		base := serveBench(b, e)
		results["noop-echo"] = loadHTTP(b, base+"/callbacks/efax/demo", body)
	})
	b.Run("echo-publish", func(b *testing.B) {
		pub := benchPublisher(b)
		var n atomic.Int64
		e := echo.New()
		e.POST("/callbacks/efax/demo", func(c echo.Context) error {
			if _, err := io.Copy(io.Discard, c.Request().Body); err != nil {
				return err
			}
			// As many bytes as the ingress's envelope of this callback.
			if _, err := pub.Publish(c.Request().Context(), stream.NewMsg("faxpipe.raw.efax.demo", "m"+itoa(n.Add(1)), envelopeSized)); err != nil {
				return err
			}
			return c.JSONBlob(http.StatusOK, []byte(`{"status":"SUCCESS"}`))
		})
		base := serveBench(b, e)
		results["echo-publish"] = loadHTTP(b, base+"/callbacks/efax/demo", body)
	})
	b.Run("ingress", func(b *testing.B) {
		cfg := testIngressConfig()
		cfg.RateLimit = config.RateLimit{AccountRPS: 1e9, AccountBurst: 1e9, ClientRPS: 1e9, ClientBurst: 1e9}
		// A production logger: one JSON line per callback, written out.
		log, err := logging.New(io.Discard, "info", "json")
		if err != nil {
			b.Fatal(err)
		}
		base, _ := startIngressLogging(b, cfg, benchPublisher(b), log)
		results["ingress"] = loadHTTP(b, base+"/callbacks/efax/demo", body)
	})
	b.Run("jetstream-publish", func(b *testing.B) {
		pub := benchPublisher(b)
		var n atomic.Int64
		results["jetstream-publish"] = run(b, func() error {
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

// printLoadTable prints the loads side by side, as the README shows them:
// the ratio to the no-op HTTP limit is the figure to quote.
func printLoadTable(r map[string]loadResult) {
	limit, ok := r["noop-echo"]
	if !ok {
		return
	}
	fmt.Printf("\n| load (%d clients) | req/s | p50 ms | p99 ms | vs no-op HTTP | CPU µs/req |\n|---|---|---|---|---|---|\n", benchClients)
	for _, name := range []string{"noop-echo", "ingress", "echo-publish", "jetstream-publish"} {
		if x, ok := r[name]; ok {
			fmt.Printf("| %s | %.0f | %.2f | %.2f | %.0f%% | %.0f |\n", name, x.rate, x.p50, x.p99, 100*x.rate/limit.rate, x.cpu)
		}
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
