package ingress_test

import (
	"net/http"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// The provider's side of a trace: its trace id and its span's id.
const (
	providerTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	providerSpan   = "00f067aa0ba902b7"
	providerParent = "00-" + providerTrace + "-" + providerSpan + "-01"
)

// tracedCallback sends a GoFax callback carrying the provider's
// traceparent to h and returns the headers of the raw message it stored.
func tracedCallback(t *testing.T, h *harness) map[string][]string {
	t.Helper()
	req := newRequest(t, http.MethodPost, h.base+"/callbacks/gofax/demo?secret="+gofaxURLValue, gofaxReceived)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Traceparent", providerParent)
	req.Header.Set("Tracestate", "vendor=opaque")
	if resp, body := do(t, req); resp.StatusCode != http.StatusOK {
		t.Fatalf("callback answered %d %s", resp.StatusCode, body)
	}
	msgs := streamtest.Messages(t, h.conn.JS, fax.RawStream)
	if len(msgs) != 1 {
		t.Fatalf("%d raw messages, want 1", len(msgs))
	}
	return msgs[0].Header
}

// With tracing off the raw message carries no trace context, even when
// the provider sent one: nothing is written on the hot path.
func TestRawMessageUntracedWhenTracingOff(t *testing.T) {
	h := newHarness(t, nil)
	hdr := tracedCallback(t, h)
	for k := range hdr {
		if strings.EqualFold(k, tracing.TraceparentHeader) || strings.EqualFold(k, tracing.TracestateHeader) {
			t.Errorf("raw message header %s = %q with tracing off", k, hdr[k])
		}
	}
}

// With tracing on, the ingress's span is a child of the provider's
// traceparent, and the raw message carries the ingress span's context
// under the lower-case keys.
func TestRawMessageCarriesTheCallbacksTrace(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	h := newTracedHarness(t, nil, tracing.NewTracer(tp))
	hdr := tracedCallback(t, h)

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans ended, want the callback's", len(spans))
	}
	sp := spans[0]
	if got, want := sp.Name(), "POST /callbacks/:provider/:account"; got != want {
		t.Errorf("span name %q, want %q", got, want)
	}
	if sp.SpanKind() != trace.SpanKindServer {
		t.Errorf("span kind %v, want server", sp.SpanKind())
	}
	if got := sp.Parent().SpanID().String(); got != providerSpan || !sp.Parent().IsRemote() {
		t.Errorf("span's parent %s (remote %v), want the provider's %s", got, sp.Parent().IsRemote(), providerSpan)
	}
	want := "00-" + providerTrace + "-" + sp.SpanContext().SpanID().String() + "-01"
	if got := hdr[tracing.TraceparentHeader]; len(got) != 1 || got[0] != want {
		t.Errorf("raw message traceparent %q, want %q", got, want)
	}
	if got := hdr[tracing.TracestateHeader]; len(got) != 1 || got[0] != "vendor=opaque" {
		t.Errorf("raw message tracestate %q, want the provider's", got)
	}
	attrs := map[string]string{}
	for _, kv := range sp.Attributes() {
		attrs[string(kv.Key)] = kv.Value.String()
		if strings.Contains(kv.Value.String(), gofaxURLValue) {
			t.Errorf("attribute %s carries the URL secret", kv.Key)
		}
	}
	for k, v := range map[string]string{"faxpipe.provider": "gofax", "faxpipe.account": "demo", "http.response.status_code": "200",
		"http.route": "/callbacks/:provider/:account"} {
		if attrs[k] != v {
			t.Errorf("attribute %s = %q, want %q", k, attrs[k], v)
		}
	}
	if attrs["faxpipe.request_id"] == "" {
		t.Error("no faxpipe.request_id attribute")
	}
}
