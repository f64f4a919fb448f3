package processor_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/processor"
)

const (
	// benchConcurrency is the number of workers of both loads below.
	benchConcurrency = 16
	// benchRoundLimit bounds one b.N round's wait for its events: a stuck
	// round fails instead of hanging the run.
	benchRoundLimit = 30 * time.Second
	gofaxUser       = "gofax"
	gofaxPassword   = "gofax-basic-password"
	gofaxParam      = "secret"
	gofaxSecret     = "gofax-url-secret"
	gofaxTemplate   = "FaxID=%d&Number=61712344321&Message=COMPLETE&SenderFaxID=0311223344&SenderISDNID=0311223344&TransmissionTime=24&NumberOfPages=1&TransmissionSpeed=33600"
)

// benchProcessorConfig is the production-shaped processor configuration.
var benchProcessorConfig = config.Processor{Concurrency: benchConcurrency, MaxDeliver: 10, AckWait: 30 * time.Second, RetryDelay: time.Second}

// BenchmarkProcessor measures, on the same kind of in-process broker (file
// storage) in one run, how fast b.N distinct raw callbacks already in
// FAXPIPE_RAW become events in FAXPIPE_EVENTS: through the processor, and
// through a plain consumer that republishes each message as is (the limit
// of this shape: consume, publish synchronously, ack, with the same
// concurrency). Compare the events/s figures side by side; absolute numbers
// drift. Each b.N round runs on a fresh broker, its callbacks published
// with the timer stopped; a round that does not finish within
// benchRoundLimit fails.
func BenchmarkProcessor(b *testing.B) {
	b.Run("processor", func(b *testing.B) {
		drain(b, func(conn *stream.Conn) func(context.Context) error {
			adapters, err := provider.NewAdapters(benchAccounts(), digester(b))
			if err != nil {
				b.Fatal(err)
			}
			proc, err := processor.New(benchProcessorConfig, processor.Deps{
				JS: conn.JS, Normalizer: adapters, Log: zap.NewNop(), Registry: prometheus.NewRegistry(),
			})
			if err != nil {
				b.Fatal(err)
			}
			return proc.Run
		})
	})
	b.Run("consume-publish", func(b *testing.B) {
		drain(b, func(conn *stream.Conn) func(context.Context) error {
			return func(ctx context.Context) error { return consumePublish(ctx, conn.JS) }
		})
	})
}

// drain publishes b.N distinct raw callbacks to a fresh broker, then times
// the consumer that prepare builds on its own connection, from its start
// until FAXPIPE_EVENTS holds b.N events, and reports events/s.
func drain(b *testing.B, prepare func(*stream.Conn) func(context.Context) error) {
	b.StopTimer()
	ns := streamtest.Start(b)
	conn := streamtest.Connect(b, ns, config.Default().Streams, jetstream.WithPublishAsyncMaxPending(256))
	publishMix(b, conn.JS, b.N)
	events, err := conn.JS.Stream(context.Background(), stream.EventsStream)
	if err != nil {
		b.Fatal(err)
	}
	worker, err := stream.Connect(ns.URL(), config.Default().NATS, "bench", zap.NewNop())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(worker.NC.Close)
	run := prepare(worker)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				b.Errorf("consumer: %v", err)
			}
		})
	}
	b.Cleanup(stop) // before the connection and the broker, even on Fatal

	b.StartTimer()
	start := time.Now()
	go func() { done <- run(ctx) }()
	waitForStream(b, events, b.N)
	elapsed := time.Since(start)
	b.StopTimer()

	stop()
	if rej := streamMsgs(b, conn.JS, stream.RejectedStream); rej != 0 {
		b.Fatalf("%d callbacks rejected; the benchmark's callbacks must all be valid", rej)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// consumePublish is the plain limit of the processor's shape: the same
// durable pull consumer and hand-off to benchConcurrency workers, each
// republishing a message's data synchronously onto FAXPIPE_EVENTS with its
// Nats-Msg-Id, then acking it.
func consumePublish(ctx context.Context, js jetstream.JetStream) error {
	cc := stream.ProcessorConsumer(benchProcessorConfig.MaxDeliver, benchProcessorConfig.AckWait, 64*benchConcurrency)
	cons, err := js.CreateOrUpdateConsumer(ctx, stream.RawStream, cc)
	if err != nil {
		return err
	}
	work := make(chan jetstream.Msg)
	var wg sync.WaitGroup
	for range benchConcurrency {
		wg.Go(func() {
			for m := range work {
				republish(js, m)
			}
		})
	}
	sub, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case work <- m:
		case <-ctx.Done():
			_ = m.Nak()
		}
	}, jetstream.PullMaxMessages(2*benchConcurrency))
	if err == nil {
		<-ctx.Done()
		sub.Drain()
		<-sub.Closed()
	}
	close(work)
	wg.Wait()
	return err
}

// republish copies m onto faxpipe.events.{provider}.{account} and acks it,
// or hands it back on failure.
func republish(js jetstream.JetStream, m jetstream.Msg) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	msg := nats.NewMsg("faxpipe.events." + strings.TrimPrefix(m.Subject(), "faxpipe.raw."))
	msg.Data = m.Data()
	msg.Header.Set(jetstream.MsgIDHeader, m.Headers().Get(jetstream.MsgIDHeader))
	if _, err := js.PublishMsg(ctx, msg, jetstream.WithExpectStream(stream.EventsStream)); err != nil {
		_ = m.NakWithDelay(time.Second)
		return
	}
	_ = m.Ack()
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
	if got := streamMsgs(b, js, stream.RawStream); got != uint64(n) {
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
	a.GoFax = []config.GoFaxAccount{{
		AccountBase: config.AccountBase{ID: "demo", APIBaseURL: "https://restful-api.gofax.com.au"},
		BasicAuth:   config.BasicAuth{Username: gofaxUser, Password: config.Literal(gofaxPassword)},
		URLSecret:   config.URLSecret{Param: gofaxParam, Value: config.Literal(gofaxSecret)},
	}}
	return a
}

// waitForStream polls st until it holds n messages, failing after
// benchRoundLimit.
func waitForStream(b *testing.B, st jetstream.Stream, n int) {
	b.Helper()
	deadline := time.Now().Add(benchRoundLimit)
	var got uint64
	for time.Now().Before(deadline) {
		info, err := st.Info(context.Background())
		if err == nil {
			if got = info.State.Msgs; got >= uint64(n) {
				return
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	b.Fatalf("%s holds %d of %d messages after %v", st.CachedInfo().Config.Name, got, n, benchRoundLimit)
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
