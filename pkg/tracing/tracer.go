package tracing

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of every faxpipe span.
const scope = "github.com/faxpipe/faxpipe"

// Tracer starts the spans of one faxpipe service. A nil *Tracer is tracing
// off: its methods return at once, start nothing and allocate nothing.
type Tracer struct {
	tracer trace.Tracer
}

// NewTracer is the Tracer of tp's spans; nil (tracing off) when tp is nil.
func NewTracer(tp trace.TracerProvider) *Tracer {
	if tp == nil {
		return nil
	}
	return &Tracer{tracer: tp.Tracer(scope)}
}

// Handler is a JetStream message handler (consume.Handler).
type Handler = func(ctx context.Context, m jetstream.Msg) error

// StartServer starts the span of an incoming HTTP request, named name
// ("POST /callbacks/:provider/:account"): a child of the caller's
// traceparent when h carries one, else a new trace.
func (t *Tracer) StartServer(ctx context.Context, h http.Header, name string) (context.Context, Span) {
	if t == nil {
		return ctx, Span{}
	}
	ctx = Propagator.Extract(ctx, propagation.HeaderCarrier(h))
	ctx, s := t.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindServer))
	return ctx, Span{s}
}

// Consumer wraps h so that each message is handled within a consumer span
// named name, a child of the span whose context the message's headers
// carry (a new trace when they carry none); the span ends with h's error.
// With tracing off it is h itself.
func (t *Tracer) Consumer(name string, h Handler) Handler {
	if t == nil {
		return h
	}
	return func(ctx context.Context, m jetstream.Msg) error {
		ctx, s := t.tracer.Start(Extract(ctx, m.Headers()), name, trace.WithSpanKind(trace.SpanKindConsumer))
		sp := Span{s}
		sp.SetString("messaging.system", "nats")
		sp.SetString("messaging.operation.type", "process")
		sp.SetString("messaging.destination.name", m.Subject())
		if id := m.Headers().Get(jetstream.MsgIDHeader); id != "" {
			sp.SetString("messaging.message.id", id)
		}
		if meta, err := m.Metadata(); err == nil {
			sp.SetInt("faxpipe.stream_seq", int64(min(meta.Sequence.Stream, math.MaxInt64)))
			sp.SetInt("faxpipe.deliveries", int64(min(meta.NumDelivered, math.MaxInt64)))
		}
		err := h(ctx, m)
		sp.End(err)
		return err
	}
}

// Start starts an internal span named name, a child of ctx's span (a new
// trace when ctx has none).
func (t *Tracer) Start(ctx context.Context, name string) (context.Context, Span) {
	if t == nil {
		return ctx, Span{}
	}
	ctx, s := t.tracer.Start(ctx, name)
	return ctx, Span{s}
}

// Inject is the package's Inject when tracing is on: the one nil check of
// a service that writes a message.
func (t *Tracer) Inject(ctx context.Context, h nats.Header) {
	if t == nil {
		return
	}
	Inject(ctx, h)
}

// Span is a span in progress, or nothing (the zero Span) when tracing is
// off or the span is not sampled: then its methods do nothing.
type Span struct {
	span trace.Span
}

// SpanFromContext is ctx's span, for attributes known deep in the work;
// the zero Span when ctx has none that records.
func SpanFromContext(ctx context.Context) Span {
	if s := trace.SpanFromContext(ctx); s.IsRecording() {
		return Span{s}
	}
	return Span{}
}

// SetString sets a string attribute. Never pass a phone number, a
// credential or message content: spans leave the deployment.
func (s Span) SetString(key, value string) {
	if s.span != nil {
		s.span.SetAttributes(attribute.String(key, value))
	}
}

// SetInt sets an integer attribute.
func (s Span) SetInt(key string, value int64) {
	if s.span != nil {
		s.span.SetAttributes(attribute.Int64(key, value))
	}
}

// SetTime sets a time attribute, as RFC 3339 in UTC.
func (s Span) SetTime(key string, value time.Time) {
	if s.span != nil {
		s.span.SetAttributes(attribute.String(key, value.UTC().Format(time.RFC3339Nano)))
	}
}

// Fail marks the span failed with err (nothing if err is nil), without
// ending it.
func (s Span) Fail(err error) {
	if s.span == nil || err == nil {
		return
	}
	s.span.RecordError(err)
	s.span.SetStatus(codes.Error, err.Error())
}

// End ends the span, failed with err when err is not nil.
func (s Span) End(err error) {
	if s.span == nil {
		return
	}
	s.Fail(err)
	s.span.End()
}
