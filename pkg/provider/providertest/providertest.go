// Package providertest is what provider adapter tests share: raw request
// fixtures turned into envelopes as the ingress would capture them, golden
// files, schema validation of events and rejections, and the conformance
// checks every fax.Normalizer must pass.
package providertest

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Fixed values of every test envelope, so that golden files are stable.
var (
	// ReceivedAt is when every test callback was received.
	ReceivedAt = time.Date(2024, 5, 10, 18, 0, 0, 0, time.UTC)
	// RejectedAt is when every test rejection happened.
	RejectedAt = ReceivedAt.Add(3 * time.Second)
)

// Fixed envelope identity of every test callback.
const (
	EnvelopeID = "01890f5e-2b4c-7d3e-8f00-0123456789ab" // a UUIDv7, as the ingress makes
	StreamSeq  = 42
	RemoteAddr = "203.0.113.7:41234"
)

// PipelineKey keys the test Digester.
const PipelineKey = "faxpipe-test-pipeline-key-0123456789abcdef"

// Digester returns the digester of the test pipeline key.
func Digester(t testing.TB) *fax.Digester {
	t.Helper()
	d, err := fax.NewDigester("test", []byte(PipelineKey))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Request is a callback as a provider sends it, before the ingress captures
// it: the shape of testdata/*.request.json.
type Request struct {
	Account string              `json:"account"`
	Method  string              `json:"method"`
	Query   string              `json:"query"` // raw, without '?'
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
}

// LoadRequest reads a Request fixture.
func LoadRequest(t testing.TB, path string) Request {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r Request
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return r
}

// Expand returns r with each "${NAME}" in its query, body and header values
// replaced by vars[NAME].
func (r Request) Expand(vars map[string]string) Request {
	pairs := make([]string, 0, 2*len(vars))
	for k, v := range vars {
		pairs = append(pairs, "${"+k+"}", v)
	}
	rep := strings.NewReplacer(pairs...)
	out := r
	out.Query, out.Body = rep.Replace(r.Query), rep.Replace(r.Body)
	out.Headers = make(map[string][]string, len(r.Headers))
	for k, vs := range r.Headers {
		for _, v := range vs {
			out.Headers[k] = append(out.Headers[k], rep.Replace(v))
		}
	}
	return out
}

// Envelope captures r as the ingress does for provider p: secrets in the
// query (spec's and the account's, secretParams) and secret headers
// replaced by their digest under d, with the fixed test id and times.
func (r Request) Envelope(p fax.Provider, spec fax.CallbackSpec, secretParams []string, d *fax.Digester) *fax.Envelope {
	query, redQuery := fax.RedactQuery(r.Query, append(append([]string{}, spec.SecretQueryParams...), secretParams...), d)
	headers, redHeaders := fax.RedactHeaders(http.Header(r.Headers), d)
	return &fax.Envelope{
		Schema:     fax.EnvelopeSchema,
		ID:         EnvelopeID,
		ReceivedAt: ReceivedAt,
		Provider:   p,
		Account:    r.Account,
		Method:     r.Method,
		Path:       "/callbacks/" + string(p) + "/" + r.Account,
		Query:      query,
		Headers:    headers,
		RemoteAddr: RemoteAddr,
		Body:       []byte(r.Body),
		Redacted:   append(append([]fax.Redaction{}, redHeaders...), redQuery...),
	}
}

// Raw wraps env as the processor reads it, at StreamSeq.
func Raw(env *fax.Envelope) fax.RawMessage {
	return fax.RawMessage{Envelope: env, StreamSeq: StreamSeq}
}
