// Package tracing carries OpenTelemetry trace context through faxpipe: W3C
// Trace Context (traceparent, tracestate) in NATS message headers under
// exactly those lower-case keys, so that one trace follows a callback from
// the ingress's HTTP request through its raw message, the processor, its
// event, the downloader and its document announcement. Downstream
// consumers continue the trace from an event or announcement with Extract.
//
// Tracing is off when a service's *Tracer is nil: every method of a nil
// *Tracer, and every package function on a context that carries no span,
// does nothing and allocates nothing, so a service pays one nil check per
// hop. The exporter is set up elsewhere (pkg/tracing/otlp); this package
// needs only the OpenTelemetry API and nats.go, and a downstream consumer
// may import it alone.
package tracing

import (
	"context"
	"strings"

	"github.com/nats-io/nats.go"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The NATS header keys of W3C Trace Context, written and read exactly so:
// NATS headers are case-sensitive, and consumers in other languages look
// for these.
const (
	TraceparentHeader = "traceparent"
	TracestateHeader  = "tracestate"
)

// Propagator is the propagation faxpipe uses on NATS and HTTP: W3C Trace
// Context only (no baggage, which could carry anything).
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Carrier is a propagation.TextMapCarrier over NATS message headers that
// writes and reads lower-case keys exactly (nats.Header is case-sensitive;
// http.Header's canonical "Traceparent" would not be found by other
// languages' consumers).
type Carrier nats.Header

// Get is the first value of key, lower-cased.
func (c Carrier) Get(key string) string {
	if v := c[strings.ToLower(key)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Set replaces the values of key, lower-cased, with value.
func (c Carrier) Set(key, value string) { c[strings.ToLower(key)] = []string{value} }

// Keys lists the header keys.
func (c Carrier) Keys() []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	return keys
}

// Inject writes the trace context of ctx's span into h (traceparent, and
// tracestate when there is one). It writes nothing when ctx carries no
// valid span context — always, when tracing is off — or h is nil.
func Inject(ctx context.Context, h nats.Header) {
	if h == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	Propagator.Inject(ctx, Carrier(h))
}

// Extract is ctx with the remote span context carried in h (a message's
// headers) as its parent, or ctx itself when h carries none. It is how a
// downstream consumer continues faxpipe's trace:
//
//	ctx = tracing.Extract(ctx, msg.Headers())
//	ctx, span := otel.Tracer("billing").Start(ctx, "bill fax", trace.WithSpanKind(trace.SpanKindConsumer))
//	defer span.End()
func Extract(ctx context.Context, h nats.Header) context.Context {
	if len(h[TraceparentHeader]) == 0 {
		return ctx
	}
	return Propagator.Extract(ctx, Carrier(h))
}
