package processor_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/logging"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/processor"
)

const (
	// benchConcurrency is the number of workers of both loads below.
	benchConcurrency = 64 // config.Default().Processor.Concurrency
	// benchRoundLimit bounds one attempt at a b.N round: a stuck round fails
	// instead of hanging the run.
	benchRoundLimit = 30 * time.Second
	// benchStallLimit is how long events may stop growing before the round
	// is checked for a stalled pull (see errPullStalled).
	benchStallLimit = time.Second
	// benchAttempts is how many times a round that stalled is run again.
	benchAttempts = 3
	gofaxUser     = "gofax"
	gofaxPassword = "gofax-basic-password"
	gofaxParam    = "secret"
	gofaxSecret   = "gofax-url-secret"
	gofaxTemplate = "FaxID=%d&Number=61712344321&Message=COMPLETE&SenderFaxID=0311223344&SenderISDNID=0311223344&TransmissionTime=24&NumberOfPages=1&TransmissionSpeed=33600"
)

// errPullStalled: messages wait in FAXPIPE_RAW, none is delivered or
// unacknowledged, and the consumer holds no pull request. nats.go's Consume
// (v1.55.0) gets there when the messages of its last pull are all handled
// while its next pull is still being sent: it then asks for nothing more
// until it misses two heartbeats, 30 s with the default expiry.
var errPullStalled = errors.New("pull stalled: the consumer holds no pull request while messages wait")

// benchProcessorConfig is the production-shaped processor configuration.
var benchProcessorConfig = config.Processor{Concurrency: benchConcurrency, MaxDeliver: 10, AckWait: 30 * time.Second, RetryDelay: time.Second}

// benchRounds is how many times the side-by-side loads run in one
// benchmark run: the verdict is the median of the rounds' ratios.
const benchRounds = 3

// BenchmarkProcessor measures, on the same kind of in-process broker (file
// storage), in benchRounds rounds of one run, how fast b.N distinct raw
// callbacks already in FAXPIPE_RAW become events in FAXPIPE_EVENTS: through
// the processor (with a production JSON logger), and through a plain
// consumer of the same shape that republishes each message as is with its
// Nats-Msg-Id — the limit: consume, publish synchronously, ack. It prints
// the medians and the verdict as a RATIO line (README "Performance");
// absolute numbers drift. In a round the two loads take turns in chunks
// of benchChunk callbacks (drainInTurns), each chunk on a fresh broker
// with its callbacks published while the timer is stopped. A chunk whose
// pull stalls (see errPullStalled) is run again on a fresh broker, up to
// benchAttempts times, and counted in the stalls metric; any other chunk
// that does not finish within benchRoundLimit fails.
func BenchmarkProcessor(b *testing.B) {
	rounds := make([]map[string]drainResult, benchRounds)
	defer printDrainRounds(rounds)
	var failed atomic.Int64
	loads := map[string]preparer{
		"processor": func(b *testing.B, conn *stream.Conn) func(context.Context) error {
			adapters, err := provider.NewNormalizers(benchAccounts(), digester(b))
			if err != nil {
				b.Fatal(err)
			}
			log, err := logging.New(io.Discard, "info", "json")
			if err != nil {
				b.Fatal(err)
			}
			proc, err := processor.New(benchProcessorConfig, processor.Deps{
				Conn: conn, Normalizer: adapters, Log: log, Registry: prometheus.NewRegistry(),
			})
			if err != nil {
				b.Fatal(err)
			}
			return proc.Run
		},
		"consume-publish": func(_ *testing.B, conn *stream.Conn) func(context.Context) error {
			return func(ctx context.Context) error { return consumePublish(ctx, conn.JS, &failed) }
		},
	}
	for r := range rounds {
		b.Run(fmt.Sprintf("round%d", r+1), func(b *testing.B) {
			rounds[r] = drainInTurns(b, loads)
			if n := failed.Load(); n > 0 {
				b.Fatalf("%d publishes failed", n)
			}
		})
	}
}

// preparer builds a load's consumer on conn, for the (sub-)benchmark b
// that runs it.
type preparer func(b *testing.B, conn *stream.Conn) func(context.Context) error

// benchChunk is how many callbacks one load drains before the other takes
// its turn: the loads of a round take turns in chunks this small (about a
// second each), so that a change of the shared machine's speed, which
// lasts seconds, weighs on both alike.
const benchChunk = 20000

// benchLoads are the loads of a round in the order they take turns.
var benchLoads = []string{"processor", "consume-publish"}

// drainInTurns drains b.N callbacks with each load, the loads taking
// turns in chunks of benchChunk (each chunk on a fresh broker, see
// drain), and reports each load's events/s and CPU per event.
func drainInTurns(b *testing.B, loads map[string]preparer) map[string]drainResult {
	b.StopTimer()
	b.ResetTimer()
	type acc struct{ elapsed, cpu time.Duration }
	accs := map[string]*acc{}
	stalls := 0
	for left := b.N; left > 0; {
		n := min(benchChunk, left)
		left -= n
		for _, name := range benchLoads {
			elapsed, cpu, retried := drain(b, n, loads[name])
			a := accs[name]
			if a == nil {
				a = &acc{}
				accs[name] = a
			}
			a.elapsed += elapsed
			a.cpu += cpu
			stalls += retried
		}
	}
	out := map[string]drainResult{}
	for name, a := range accs {
		res := drainResult{rate: float64(b.N) / a.elapsed.Seconds(), cpu: float64(a.cpu.Microseconds()) / float64(b.N)}
		b.ReportMetric(res.rate, name+"-events/s")
		b.ReportMetric(res.cpu, name+"-cpu-µs/event")
		out[name] = res
	}
	b.ReportMetric(float64(stalls), "stalls")
	return out
}

// printDrainRounds prints each load's medians over the rounds side by
// side, as the README shows them, then the verdict: the median of the
// rounds' ratios of the processor to consume-publish.
func printDrainRounds(rounds []map[string]drainResult) {
	var ratios []float64
	for _, r := range rounds {
		p, ok1 := r["processor"]
		l, ok2 := r["consume-publish"]
		if ok1 && ok2 && l.rate > 0 {
			ratios = append(ratios, p.rate/l.rate)
		}
	}
	if len(ratios) == 0 {
		return
	}
	fmt.Printf("\n| load (%d workers), median of %d rounds | events/s | CPU µs/event |\n|---|---|---|\n", benchConcurrency, len(rounds))
	for _, name := range []string{"processor", "consume-publish"} {
		var rates, cpus []float64
		for _, r := range rounds {
			if x, ok := r[name]; ok {
				rates, cpus = append(rates, x.rate), append(cpus, x.cpu)
			}
		}
		fmt.Printf("| %s | %.0f | %.0f |\n", name, streamtest.Median(rates), streamtest.Median(cpus))
	}
	fmt.Printf("RATIO processor/consume-publish=%.3f\n", streamtest.Median(ratios))
}

// drainResult is what one load achieved; cpu is the process's CPU time per
// event (the consumer and the broker together), a second view of the cost
// beside the rate (on a shared machine both move from run to run).
type drainResult struct{ rate, cpu float64 }

// drain has the consumer that prepare builds drain n callbacks (drainOnce),
// again after a stalled pull, and returns the time and CPU it took and the
// number of stalled attempts.
func drain(b *testing.B, n int, prepare preparer) (time.Duration, time.Duration, int) {
	for attempt := 1; ; attempt++ {
		elapsed, cpu, err := drainOnce(b, n, prepare)
		if err == nil {
			return elapsed, cpu, attempt - 1
		}
		if !errors.Is(err, errPullStalled) || attempt == benchAttempts {
			b.Fatalf("chunk of %d, attempt %d: %v", n, attempt, err)
		}
		b.Logf("chunk of %d, attempt %d: %v; running it again on a fresh broker", n, attempt, err)
	}
}

// drainOnce publishes n distinct raw callbacks to a fresh broker, then
// times the consumer that prepare builds on its own connection, from its
// start until FAXPIPE_EVENTS holds n events, and the process's CPU time
// meanwhile. The benchmark's timer runs only meanwhile.
func drainOnce(b *testing.B, n int, prepare preparer) (time.Duration, time.Duration, error) {
	ns := streamtest.Start(b)
	defer ns.Stop()
	conn := streamtest.Connect(b, ns, config.Default().Streams, jetstream.WithPublishAsyncMaxPending(256))
	defer conn.NC.Close()
	publishMix(b, conn.JS, n)
	events, err := conn.JS.Stream(context.Background(), fax.EventsStream)
	if err != nil {
		b.Fatal(err)
	}
	worker, err := stream.Connect(ns.URL(), config.Default().NATS, "bench", zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	defer worker.NC.Close()
	run := prepare(b, worker)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)

	b.StartTimer()
	start, cpu := time.Now(), streamtest.ProcessCPU()
	go func() { done <- run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("consumer: %v", err)
		}
	}()
	err = awaitEvents(conn.JS, events, n)
	elapsed, cpu := time.Since(start), streamtest.ProcessCPU()-cpu
	b.StopTimer()
	if err != nil {
		return 0, 0, err
	}
	if rej := streamMsgs(b, conn.JS, fax.RejectedStream); rej != 0 {
		b.Fatalf("%d callbacks rejected; the benchmark's callbacks must all be valid", rej)
	}
	return elapsed, cpu, nil
}

// consumePublish is the plain limit of the processor's shape: the same
// durable pull consumer and hand-off to benchConcurrency workers, each
// republishing a message's data synchronously onto FAXPIPE_EVENTS with its
// Nats-Msg-Id, then acking it.
func consumePublish(ctx context.Context, js jetstream.JetStream, failed *atomic.Int64) error {
	cc := stream.ProcessorConsumer(benchProcessorConfig.AckWait, 64*benchConcurrency)
	cons, err := js.CreateOrUpdateConsumer(ctx, fax.RawStream, cc)
	if err != nil {
		return err
	}
	opts := consume.Options{Workers: benchConcurrency, AckWait: benchProcessorConfig.AckWait, Backoff: consume.Backoff{Initial: time.Second, Max: time.Second}}
	return consume.Run(ctx, cons, opts, func(_ context.Context, m jetstream.Msg) error { return republish(js, m, failed) })
}

// republish copies m onto faxpipe.events.{provider}.{account}: nil to ack
// it, or a failure counted, to hand it back.
func republish(js jetstream.JetStream, m jetstream.Msg, failed *atomic.Int64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	id := m.Headers().Get(jetstream.MsgIDHeader)
	msg := nats.NewMsg("faxpipe.events." + strings.TrimPrefix(m.Subject(), "faxpipe.raw."))
	msg.Data = m.Data()
	msg.Header.Set(jetstream.MsgIDHeader, id)
	_, err := js.PublishMsg(ctx, msg, jetstream.WithExpectStream(fax.EventsStream))
	if err != nil {
		failed.Add(1)
	}
	return err
}

// publishMix stores n raw callbacks of distinct faxes in FAXPIPE_RAW, as the
// ingress would: Sfax, eFax, GoFax with Basic auth and GoFax with a URL
// secret in turn.
func publishMix(b *testing.B, js jetstream.JetStream, n int) {
	b.Helper()
	now := time.Now().UTC()
	for i := range n {
		var env *fax.Envelope
		switch i % 4 {
		case 0:
			env = sfaxEnvelope(b, fmt.Sprintf("21501%014d", i), now.Add(-time.Minute), now)
		case 1:
			env = efaxEnvelope(b, fmt.Sprintf("fax-%08d", i), efaxSecret, now)
		case 2:
			env = gofaxEnvelope(b, i, true, now)
		default:
			env = gofaxEnvelope(b, i, false, now)
		}
		data, err := json.Marshal(env)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := js.PublishAsync(env.Subject(), data, jetstream.WithMsgID(env.ID)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(benchRoundLimit):
		b.Fatal("raw callbacks not acknowledged in time")
	}
	if got := streamMsgs(b, js, fax.RawStream); got != uint64(n) {
		b.Fatalf("FAXPIPE_RAW holds %d callbacks, want %d", got, n)
	}
}

// gofaxEnvelope is a received-fax callback of fax i, authenticated with
// Basic auth or with the URL secret, redacted as the ingress does with the
// account's secret parameter.
func gofaxEnvelope(b *testing.B, i int, basic bool, receivedAt time.Time) *fax.Envelope {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	query := ""
	if basic {
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(gofaxUser+":"+gofaxPassword)))
	} else {
		query = gofaxParam + "=" + gofaxSecret
	}
	env := envelope(b, fax.GoFax, http.MethodPost, "", h, []byte(fmt.Sprintf(gofaxTemplate, i)), receivedAt)
	var red []fax.Redaction
	env.Query, red = fax.RedactQuery(query, []string{gofaxParam}, digester(b))
	env.Redacted = append(env.Redacted, red...)
	return env
}

// benchAccounts is accounts() with a GoFax account "demo" that accepts Basic
// auth and a URL secret.
func benchAccounts() config.Accounts {
	a := accounts()
	a = append(a, &gofax.Account{
		AccountBase: config.AccountBase{ID: "demo", APIBaseURL: "https://restful-api.gofax.com.au"},
		BasicAuth:   gofax.BasicAuth{Username: gofaxUser, Password: config.Literal(gofaxPassword)},
		URLSecret:   gofax.URLSecret{Param: gofaxParam, Value: config.Literal(gofaxSecret)},
	})
	return a
}

// awaitEvents polls FAXPIPE_EVENTS until it holds n messages. It returns
// errPullStalled when events stopped growing for benchStallLimit because
// the pull stalled, and an error with the consumer's state after
// benchRoundLimit.
func awaitEvents(js jetstream.JetStream, events jetstream.Stream, n int) error {
	ctx := context.Background()
	deadline := time.Now().Add(benchRoundLimit)
	var got uint64
	progress := time.Now()
	for time.Now().Before(deadline) {
		if info, err := events.Info(ctx); err == nil && info.State.Msgs > got {
			got, progress = info.State.Msgs, time.Now()
		}
		if got >= uint64(n) {
			return nil
		}
		if time.Since(progress) > benchStallLimit {
			if ci, err := rawConsumer(js); err == nil && ci.NumPending > 0 && ci.NumAckPending == 0 && ci.NumWaiting == 0 {
				return fmt.Errorf("%d of %d events, then none for %v: %w", got, n, benchStallLimit, errPullStalled)
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	state := "no consumer"
	if ci, err := rawConsumer(js); err == nil {
		state = fmt.Sprintf("consumer: pending %d, ack pending %d, redelivered %d, waiting pulls %d",
			ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting)
	}
	return fmt.Errorf("%d of %d events after %v; %s", got, n, benchRoundLimit, state)
}

// rawConsumer is the state of the processors' consumer on FAXPIPE_RAW.
func rawConsumer(js jetstream.JetStream) (*jetstream.ConsumerInfo, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cons, err := js.Consumer(ctx, fax.RawStream, "faxpipe-processor")
	if err != nil {
		return nil, err
	}
	return cons.Info(ctx)
}

// streamMsgs is the number of messages in the named stream.
func streamMsgs(b *testing.B, js jetstream.JetStream, name string) uint64 {
	b.Helper()
	st, err := js.Stream(context.Background(), name)
	if err != nil {
		b.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return info.State.Msgs
}
