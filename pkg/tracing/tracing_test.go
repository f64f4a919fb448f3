package tracing_test

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/faxpipe/faxpipe/pkg/tracing"
)

const (
	traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	spanID  = "00f067aa0ba902b7"
	parent  = "00-" + traceID + "-" + spanID + "-01"
)

// remote is a context whose span is the remote one of parent.
func remote(t *testing.T) context.Context {
	t.Helper()
	ctx := tracing.Extract(context.Background(), nats.Header{"traceparent": {parent}, "tracestate": {"k=v"}})
	if sc := trace.SpanContextFromContext(ctx); sc.TraceID().String() != traceID || sc.SpanID().String() != spanID || !sc.IsRemote() {
		t.Fatalf("extracted %v, want the remote span %s of trace %s", sc, spanID, traceID)
	}
	return ctx
}

func TestInjectWritesLowerCaseKeysExactly(t *testing.T) {
	h := nats.Header{}
	tracing.Inject(remote(t), h)
	if got := h["traceparent"]; len(got) != 1 || got[0] != parent {
		t.Errorf("traceparent = %q, want %q", got, parent)
	}
	if got := h["tracestate"]; len(got) != 1 || got[0] != "k=v" {
		t.Errorf("tracestate = %q, want k=v", got)
	}
	if len(h) != 2 {
		t.Errorf("headers %v, want exactly traceparent and tracestate", h)
	}
}

func TestExtractReadsOnlyTheLowerCaseKey(t *testing.T) {
	tests := []struct {
		name   string
		header nats.Header
		valid  bool
	}{
		{name: "lower case", header: nats.Header{"traceparent": {parent}}, valid: true},
		{name: "canonical MIME case is another NATS key", header: nats.Header{"Traceparent": {parent}}},
		{name: "none", header: nats.Header{"Nats-Msg-Id": {"x"}}},
		{name: "nil", header: nil},
		{name: "malformed", header: nats.Header{"traceparent": {"00-zz-yy-01"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := trace.SpanContextFromContext(tracing.Extract(context.Background(), tt.header))
			if sc.IsValid() != tt.valid {
				t.Errorf("extracted valid = %v, want %v", sc.IsValid(), tt.valid)
			}
		})
	}
}

func TestInjectWithoutSpanWritesNothing(t *testing.T) {
	h := nats.Header{}
	tracing.Inject(context.Background(), h)
	var off *tracing.Tracer
	off.Inject(remote(t), h)
	tracing.Inject(remote(t), nil) // no panic on a message without headers
	if len(h) != 0 {
		t.Errorf("headers %v, want none", h)
	}
}

// fakeMsg is a delivered message: only what Consumer reads.
type fakeMsg struct {
	jetstream.Msg
	header nats.Header
}

func (m fakeMsg) Headers() nats.Header { return m.header }
func (m fakeMsg) Subject() string      { return "faxpipe.raw.gofax.demo" }
func (m fakeMsg) Metadata() (*jetstream.MsgMetadata, error) {
	return &jetstream.MsgMetadata{Sequence: jetstream.SequencePair{Stream: 7}, NumDelivered: 2}, nil
}

func TestConsumerContinuesTheMessagesTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tr := tracing.NewTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	out := nats.Header{}
	failure := errors.New("broker unavailable")
	h := tr.Consumer("process FAXPIPE_RAW", func(ctx context.Context, _ jetstream.Msg) error {
		tracing.SpanFromContext(ctx).SetString("faxpipe.outcome", "event")
		tracing.Inject(ctx, out)
		return failure
	})
	if err := h(context.Background(), fakeMsg{header: nats.Header{"traceparent": {parent}, "Nats-Msg-Id": {"m1"}}}); !errors.Is(err, failure) {
		t.Fatalf("handler error %v, want the wrapped handler's", err)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	sp := spans[0]
	if sp.Parent().SpanID().String() != spanID || sp.SpanContext().TraceID().String() != traceID {
		t.Errorf("span of trace %s with parent %s, want trace %s parent %s", sp.SpanContext().TraceID(), sp.Parent().SpanID(), traceID, spanID)
	}
	if sp.SpanKind() != trace.SpanKindConsumer || sp.Status().Code.String() != "Error" {
		t.Errorf("kind %v status %v, want a failed consumer span", sp.SpanKind(), sp.Status())
	}
	if want := "00-" + traceID + "-" + sp.SpanContext().SpanID().String() + "-01"; out.Get("traceparent") != want {
		t.Errorf("passed on traceparent %q, want %q", out.Get("traceparent"), want)
	}
	attrs := map[string]string{}
	for _, kv := range sp.Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
	}
	for k, v := range map[string]string{"messaging.destination.name": "faxpipe.raw.gofax.demo", "messaging.message.id": "m1",
		"faxpipe.stream_seq": "7", "faxpipe.deliveries": "2", "faxpipe.outcome": "event"} {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
}

func TestStartServerHonoursTheCallersTraceparent(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tr := tracing.NewTracer(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	_, sp := tr.StartServer(context.Background(), http.Header{"Traceparent": {parent}}, "POST /callbacks/:provider/:account")
	sp.End(nil)
	got := rec.Ended()[0]
	if got.Parent().SpanID().String() != spanID || !got.Parent().IsRemote() || got.SpanKind() != trace.SpanKindServer {
		t.Errorf("server span parent %v kind %v, want the caller's remote span", got.Parent(), got.SpanKind())
	}
}

// Off, every hop helper does nothing and allocates nothing: a service
// pays one nil check per hop.
func TestOffCostsNoAllocation(t *testing.T) {
	var off *tracing.Tracer
	ctx := context.Background()
	msg := nats.Header{"Nats-Msg-Id": {"m1"}}
	req := http.Header{"Traceparent": {parent}}
	handler := func(context.Context, jetstream.Msg) error { return nil }
	if reflect.ValueOf(off.Consumer("process", handler)).Pointer() != reflect.ValueOf(handler).Pointer() {
		t.Error("Consumer wrapped the handler with tracing off")
	}
	failure := errors.New("x")
	now := time.Now()
	hops := map[string]func(){
		"StartServer": func() { _, sp := off.StartServer(ctx, req, "POST /"); sp.End(nil) },
		"Start": func() {
			_, sp := off.Start(ctx, "fetch document")
			sp.SetInt("n", 1)
			sp.SetTime("t", now)
			sp.End(failure)
		},
		"Consumer": func() { _ = off.Consumer("process", handler) },
		"Inject":   func() { off.Inject(ctx, msg) },
		"package Inject": func() {
			tracing.Inject(ctx, msg)
		},
		"Extract":         func() { _ = tracing.Extract(ctx, msg) },
		"SpanFromContext": func() { tracing.SpanFromContext(ctx).SetString("faxpipe.outcome", "event") },
	}
	for name, hop := range hops {
		if n := testing.AllocsPerRun(100, hop); n != 0 {
			t.Errorf("%s with tracing off: %v allocations, want 0", name, n)
		}
	}
	if len(msg) != 1 {
		t.Errorf("headers %v written with tracing off", msg)
	}
}
