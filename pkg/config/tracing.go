package config

import (
	"net/url"
	"strings"
)

// Tracing configures distributed tracing with OpenTelemetry: each
// service's spans are exported over OTLP/HTTP (protobuf) to Endpoint. It is
// off while Endpoint is empty, and then costs nothing: no span is made and
// no trace header is written.
type Tracing struct {
	// Endpoint is the collector's OTLP/HTTP base URL, e.g.
	// http://otel-collector:4318; spans go to its /v1/traces. http:// sends
	// in clear (a collector on the same node or network), https:// uses TLS.
	// Empty: OTEL_EXPORTER_OTLP_ENDPOINT if set, else tracing is off.
	Endpoint string `yaml:"endpoint"`
	// CAFile is a PEM CA bundle that verifies an https endpoint; empty: the
	// system's roots.
	CAFile string `yaml:"ca_file"`
	// SampleRatio is the share of callbacks traced, 0 to 1, unless the
	// caller's traceparent decides (it is honoured: parent-based sampling).
	SampleRatio float64 `yaml:"sample_ratio"`
	// ServiceName names the deployment: each service reports as
	// <service_name>-<role> (faxpipe-ingress, faxpipe-processor, …) in
	// the service.namespace <service_name>.
	ServiceName string `yaml:"service_name"`
}

// Enabled reports whether spans are exported.
func (t Tracing) Enabled() bool { return t.Endpoint != "" }

// otelEndpointEnv is OpenTelemetry's standard variable for the collector's
// base URL, honoured when tracing.endpoint is not set.
const otelEndpointEnv = "OTEL_EXPORTER_OTLP_ENDPOINT"

// applyOTelEnv takes the endpoint from OTEL_EXPORTER_OTLP_ENDPOINT when
// the file and FAXPIPE_TRACING_ENDPOINT leave it empty.
func (t *Tracing) applyOTelEnv(getenv func(string) string) {
	if t.Endpoint == "" {
		t.Endpoint = strings.TrimSpace(getenv(otelEndpointEnv))
	}
}

func (c *Config) validateTracing(ck *Checker) {
	t := c.Tracing
	ck.Check(t.SampleRatio >= 0 && t.SampleRatio <= 1, "tracing.sample_ratio", "must be 0 to 1")
	ck.Check(isToken(t.ServiceName), "tracing.service_name", "must be letters, digits, '-' or '_'")
	if !t.Enabled() {
		ck.Check(t.CAFile == "", "tracing.ca_file", "needs tracing.endpoint")
		return
	}
	u, err := url.Parse(t.Endpoint)
	ck.Check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.RawQuery == "",
		"tracing.endpoint", "%q is not an http(s) base URL such as http://otel-collector:4318", RedactURL(t.Endpoint))
	ck.Check(t.CAFile == "" || (err == nil && u.Scheme == "https"), "tracing.ca_file", "needs an https tracing.endpoint")
}
