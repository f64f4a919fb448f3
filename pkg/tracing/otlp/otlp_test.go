package otlp_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/tracing"
	"github.com/faxpipe/faxpipe/pkg/tracing/otlp"
	"github.com/faxpipe/faxpipe/pkg/tracing/tracingtest"
)

func tracingConfig(endpoint string, ratio float64) config.Tracing {
	c := config.Default().Tracing
	c.Endpoint, c.SampleRatio = endpoint, ratio
	return c
}

func TestOffWithoutEndpoint(t *testing.T) {
	e, err := otlp.New(context.Background(), config.Default().Tracing, zap.NewNop())
	if err != nil || e != nil {
		t.Fatalf("New without endpoint = %v, %v; want nil, nil", e, err)
	}
	if tr := e.Tracer("ingress"); tr != nil {
		t.Errorf("Tracer of no exporter = %v, want nil (off)", tr)
	}
	if err := e.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown of no exporter: %v", err)
	}
}

// Each role reports as a service of its own, and the spans reach the
// collector by the time Shutdown returns.
func TestSpansReachTheCollectorPerRole(t *testing.T) {
	rcv := tracingtest.Start(t)
	e, err := otlp.New(context.Background(), tracingConfig(rcv.URL, 1), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	ingress, processor := e.Tracer("ingress"), e.Tracer("processor")
	ctx, sp := ingress.Start(context.Background(), "POST /callbacks/:provider/:account")
	h := nats.Header{}
	tracing.Inject(ctx, h)
	sp.End(nil)
	_, child := processor.Start(tracing.Extract(context.Background(), h), "process FAXPIPE_RAW")
	child.End(errors.New("transient"))
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	spans := rcv.Spans()
	if len(spans) != 2 {
		t.Fatalf("%d spans received, want 2: %+v", len(spans), spans)
	}
	byService := map[string]tracingtest.Span{}
	for _, s := range spans {
		byService[s.Service] = s
		if s.Namespace != "faxpipe" {
			t.Errorf("span %s in namespace %q, want faxpipe", s.Name, s.Namespace)
		}
	}
	in, proc := byService["faxpipe-ingress"], byService["faxpipe-processor"]
	if in.Name == "" || proc.Name == "" {
		t.Fatalf("services %v, want faxpipe-ingress and faxpipe-processor", byService)
	}
	if proc.TraceID != in.TraceID || proc.ParentID != in.SpanID || in.ParentID != "" {
		t.Errorf("processor span %+v is not the child of ingress span %+v", proc, in)
	}
	if !proc.Error || in.Error {
		t.Errorf("error status: ingress %v, processor %v; want false, true", in.Error, proc.Error)
	}
}

// The sample ratio bounds new traces, but a sampled parent's decision is
// honoured.
func TestSamplingIsParentBased(t *testing.T) {
	rcv := tracingtest.Start(t)
	e, err := otlp.New(context.Background(), tracingConfig(rcv.URL, 0), zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	tr := e.Tracer("ingress")
	_, root := tr.Start(context.Background(), "unsampled")
	root.End(nil)
	parent := nats.Header{"traceparent": {"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}}
	_, child := tr.Start(tracing.Extract(context.Background(), parent), "sampled by its parent")
	child.End(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := rcv.Spans()
	if len(spans) != 1 || spans[0].Name != "sampled by its parent" {
		t.Errorf("received %+v, want only the span of the sampled parent", spans)
	}
}

func TestBadCAFile(t *testing.T) {
	c := tracingConfig("https://collector.example:4318", 1)
	c.CAFile = t.TempDir() + "/none.pem"
	_, err := otlp.New(context.Background(), c, zap.NewNop())
	var fe *config.FieldError
	if !errors.As(err, &fe) || fe.Field != "tracing.ca_file" {
		t.Errorf("New with a missing CA file: %v, want an error naming tracing.ca_file", err)
	}
}
