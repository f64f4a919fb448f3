// Package otlp exports faxpipe's spans over OTLP/HTTP (protobuf) to an
// OpenTelemetry collector, as tracing.* configures: one exporter per
// process, and a TracerProvider per service in it, so that each service
// reports as a service of its own (<service_name>-<role>) even when
// `faxpipe all` runs them together.
package otlp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/tracing"
)

// tracesPath is where an OTLP/HTTP collector takes spans.
const tracesPath = "/v1/traces"

// Exporter ships the spans of the services of one process. A nil
// *Exporter is tracing off. Its methods are safe for concurrent use.
type Exporter struct {
	cfg config.Tracing
	exp sdktrace.SpanExporter

	mu        sync.Mutex
	providers []*sdktrace.TracerProvider
}

// New is the exporter cfg configures, or nil (tracing off) when
// cfg.Endpoint is empty. It does not connect: spans are sent in batches
// (OTEL_BSP_* tune them) as they end, and an unreachable collector only
// loses spans, reported to log. Besides what cfg sets, the OTLP exporter's
// own variables apply, e.g. OTEL_EXPORTER_OTLP_HEADERS for a collector's
// credentials.
func New(ctx context.Context, cfg config.Tracing, log *zap.Logger) (*Exporter, error) {
	if !cfg.Enabled() {
		return nil, nil
	}
	opts, err := options(cfg)
	if err != nil {
		return nil, err
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		log.Warn("tracing: spans not exported", zap.Error(err))
	}))
	return &Exporter{cfg: cfg, exp: exp}, nil
}

// options are the OTLP/HTTP exporter's: cfg's endpoint with /v1/traces,
// and its CA for https.
func options(cfg config.Tracing) ([]otlptracehttp.Option, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, &config.FieldError{Field: "tracing.endpoint", Msg: "not a URL"}
	}
	if !strings.HasSuffix(u.Path, tracesPath) {
		u.Path = strings.TrimSuffix(u.Path, "/") + tracesPath
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(u.String())}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, &config.FieldError{Field: "tracing.ca_file", Msg: err.Error()}
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, &config.FieldError{Field: "tracing.ca_file", Msg: "no PEM certificate in it"}
		}
		opts = append(opts, otlptracehttp.WithTLSClientConfig(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	}
	return opts, nil
}

// Tracer is the tracer of the service role (ingress, processor, …): its
// spans report as service <service_name>-<role>, sampled at the
// configured ratio unless a parent's decision came with the trace. nil
// (tracing off) on a nil Exporter.
func (e *Exporter) Tracer(role string) *tracing.Tracer {
	if e == nil {
		return nil
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(
		attribute.String("service.name", e.cfg.ServiceName+"-"+role),
		attribute.String("service.namespace", e.cfg.ServiceName),
	))
	if err != nil {
		res = resource.NewSchemaless(attribute.String("service.name", e.cfg.ServiceName+"-"+role))
	}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(shared{e.exp}),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.TraceIDRatioBased(e.cfg.SampleRatio))),
	)
	e.mu.Lock()
	e.providers = append(e.providers, tp)
	e.mu.Unlock()
	return tracing.NewTracer(tp)
}

// Shutdown sends the spans not sent yet, within ctx, and stops. Spans
// started afterwards are dropped.
func (e *Exporter) Shutdown(ctx context.Context) error {
	if e == nil {
		return nil
	}
	e.mu.Lock()
	providers := e.providers
	e.providers = nil
	e.mu.Unlock()
	var errs []error
	for _, tp := range providers {
		errs = append(errs, tp.Shutdown(ctx))
	}
	errs = append(errs, e.exp.Shutdown(ctx))
	return errors.Join(errs...)
}

// shared is the process's one exporter as each provider sees it: a
// provider shutting down flushes its spans but leaves the exporter to
// Exporter.Shutdown.
type shared struct{ sdktrace.SpanExporter }

func (shared) Shutdown(context.Context) error { return nil }
