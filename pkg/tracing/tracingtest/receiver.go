// Package tracingtest is an in-process OTLP/HTTP receiver for tests: it
// takes the spans an exporter sends (protobuf, plain or gzip) and keeps
// them for the test to read.
package tracingtest

import (
	"compress/gzip"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/proto"
)

// Span is one span as received.
type Span struct {
	Service    string // the resource's service.name
	Namespace  string // the resource's service.namespace
	Name       string
	Kind       string // e.g. SPAN_KIND_SERVER
	TraceID    string // hex
	SpanID     string // hex
	ParentID   string // hex; empty for a root span
	Error      bool   // the status is an error
	Attributes map[string]string
}

// Receiver is an OTLP/HTTP collector's traces endpoint on loopback.
type Receiver struct {
	// URL is its base URL, for tracing.endpoint; spans are taken at
	// URL/v1/traces.
	URL string

	t     testing.TB
	mu    sync.Mutex
	spans []Span
}

// Start runs a Receiver until the test ends. A request it cannot decode
// fails the test.
func Start(t testing.TB) *Receiver {
	t.Helper()
	r := &Receiver{t: t}
	srv := httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/traces" || req.Method != http.MethodPost {
		r.t.Errorf("OTLP receiver: %s %s, want POST /v1/traces", req.Method, req.URL.Path)
		http.NotFound(w, req)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	var msg coltracepb.ExportTraceServiceRequest
	if err == nil {
		err = proto.Unmarshal(b, &msg)
	}
	if err != nil {
		r.t.Errorf("OTLP receiver: undecodable request: %v", err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.add(&msg)
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	_, _ = w.Write(out)
}

func (r *Receiver) add(msg *coltracepb.ExportTraceServiceRequest) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rs := range msg.GetResourceSpans() {
		res := attributes(rs.GetResource().GetAttributes())
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				r.spans = append(r.spans, Span{
					Service: res["service.name"], Namespace: res["service.namespace"],
					Name: s.GetName(), Kind: s.GetKind().String(),
					TraceID: hex.EncodeToString(s.GetTraceId()), SpanID: hex.EncodeToString(s.GetSpanId()),
					ParentID: hex.EncodeToString(s.GetParentSpanId()), Error: s.GetStatus().GetCode() == 2,
					Attributes: attributes(s.GetAttributes()),
				})
			}
		}
	}
}

// attributes are kvs as strings (the scalar kinds faxpipe sets).
func attributes(kvs []*commonpb.KeyValue) map[string]string {
	out := make(map[string]string, len(kvs))
	for _, kv := range kvs {
		v := kv.GetValue()
		switch v.GetValue().(type) {
		case *commonpb.AnyValue_IntValue:
			out[kv.GetKey()] = strconv.FormatInt(v.GetIntValue(), 10)
		case *commonpb.AnyValue_BoolValue:
			out[kv.GetKey()] = strconv.FormatBool(v.GetBoolValue())
		default:
			out[kv.GetKey()] = v.GetStringValue()
		}
	}
	return out
}

// Spans is every span received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

// Await polls until done holds of the spans received, and returns them;
// it fails the test after timeout.
func (r *Receiver) Await(timeout time.Duration, done func([]Span) bool) []Span {
	r.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		spans := r.Spans()
		if done(spans) {
			return spans
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("OTLP receiver: after %v, %d spans do not make what the test awaits: %+v", timeout, len(spans), spans)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
