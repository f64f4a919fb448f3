package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
	"github.com/faxpipe/faxpipe/pkg/tracing"
	"github.com/faxpipe/faxpipe/pkg/tracing/tracingtest"
)

// TestTraceFollowsACallback: a provider's callback arrives with a W3C
// traceparent (a proxy on the provider's side adds it). The raw message,
// the event and the document announcement carry that trace id under the
// lower-case traceparent key, and the spans the three services export to
// an OTLP receiver form one trace: the provider's span → the ingress's
// server span → the processor's span → the downloader's span → its fetch.
// Each message's traceparent names the span of the service that wrote it.
func TestTraceFollowsACallback(t *testing.T) {
	rcv := tracingtest.Start(t)
	p := startPipeline(t, pipelineOptions{env: tracingEnv(rcv)})
	traceID := randomHex(16)
	proxy := startTraceparentProxy(t, p.ingressURL, traceID)
	s := simtest.Start(t, provider.Sims, accountsOf(t, p), sim.Options{
		Target: proxy.url, APIListen: p.simAPI, Providers: []fax.Provider{fax.GoFax}, Kinds: []string{sim.KindFaxIn},
		Count: 1, FailRate: -1, Seed: 17,
	}, zap.NewNop())
	r := simtest.Run(t, s)
	if len(r.Faxes) != 1 || !r.Faxes[0].Acked || r.Faxes[0].Document == nil {
		t.Fatalf("the simulator's fax was not a received fax acknowledged: %+v", r.Faxes)
	}
	js := connect(t, p.natsURL)
	l := awaitLanded(t, js, r, 60*time.Second)
	if len(l.events) != 1 || len(l.documents) != 1 || l.documents[0].Data.Outcome != fax.DocumentStored {
		t.Fatalf("landed %d events and %d documents, want one of each, stored", len(l.events), len(l.documents))
	}

	// Each service exports its spans in batches of its own, in any order
	// with the others': wait for every one's.
	spans := rcv.Await(30*time.Second, func(spans []tracingtest.Span) bool {
		return len(spansOf(spans, traceID, "faxpipe-ingress", "POST /callbacks/:provider/:account")) > 0 &&
			len(spansOf(spans, traceID, "faxpipe-processor", "process "+fax.RawStream)) > 0 &&
			len(spansOf(spans, traceID, "faxpipe-downloader", "fetch document")) > 0 &&
			len(spansOf(spans, traceID, "faxpipe-downloader", "process "+fax.EventsStream)) > 0
	})
	in := onlySpan(t, spans, traceID, "faxpipe-ingress", "POST /callbacks/:provider/:account")
	proc := onlySpan(t, spans, traceID, "faxpipe-processor", "process "+fax.RawStream)
	down := onlySpan(t, spans, traceID, "faxpipe-downloader", "process "+fax.EventsStream)
	fetch := onlySpan(t, spans, traceID, "faxpipe-downloader", "fetch document")
	if !proxy.sent(in.ParentID) {
		t.Errorf("the ingress span's parent %s is not the provider's span %v", in.ParentID, proxy.spanIDs())
	}
	for _, link := range []struct{ child, parent tracingtest.Span }{{proc, in}, {down, proc}, {fetch, down}} {
		if link.child.ParentID != link.parent.SpanID {
			t.Errorf("%s span's parent %s, want the %s span %s", link.child.Name, link.child.ParentID, link.parent.Name, link.parent.SpanID)
		}
	}
	checkAttributes(t, in, map[string]string{"faxpipe.provider": "gofax", "faxpipe.account": "demo", "http.response.status_code": "200"})
	checkAttributes(t, proc, map[string]string{"faxpipe.outcome": "event", "faxpipe.event_id": r.Faxes[0].EventID})
	checkAttributes(t, down, map[string]string{"faxpipe.event_id": r.Faxes[0].EventID, "faxpipe.document.outcome": "stored"})
	checkAttributes(t, fetch, map[string]string{"faxpipe.document.object": l.documents[0].Data.Object})

	checkTraceparent(t, js, fax.RawStream, traceID, in.SpanID)
	checkTraceparent(t, js, fax.EventsStream, traceID, proc.SpanID)
	checkTraceparent(t, js, fax.DocumentsStream, traceID, down.SpanID)
	checkNoSecretsIn(t, spans, r.Faxes[0])
}

// TestTraceFollowsAReconciledFax: a fax whose webhook never came is found
// by the reconciler's listing. Its pass is a trace: the pass's span, a
// span per window listed, and the fax fed in carries its window's span
// context, which the processor's and the downloader's spans continue.
func TestTraceFollowsAReconciledFax(t *testing.T) {
	rcv := tracingtest.Start(t)
	p := startPipeline(t, pipelineOptions{env: tracingEnv(rcv), reconciler: true})
	s := startSim(t, p, sim.Options{
		Providers: []fax.Provider{fax.Sfax}, Kinds: []string{sim.KindFaxIn}, Count: 1, FailRate: -1, LoseRate: 1, Seed: 3,
	})
	r := simtest.Run(t, s)
	if len(r.Faxes) != 1 || !r.Faxes[0].Lost {
		t.Fatalf("the simulator's fax was not lost: %+v", r.Faxes)
	}
	js := connect(t, p.natsURL)
	awaitLanded(t, js, r, 60*time.Second)
	var proc tracingtest.Span
	spans := rcv.Await(30*time.Second, func(spans []tracingtest.Span) bool {
		for _, s := range spans {
			if s.Service == "faxpipe-processor" && s.Attributes["faxpipe.event_id"] == r.Faxes[0].EventID {
				proc = s
				return len(spansOf(spans, s.TraceID, "faxpipe-downloader", "process "+fax.EventsStream)) > 0 &&
					len(spansOf(spans, s.TraceID, "faxpipe-reconciler", "reconcile pass")) > 0
			}
		}
		return false
	})
	pass := onlySpan(t, spans, proc.TraceID, "faxpipe-reconciler", "reconcile pass")
	down := onlySpan(t, spans, proc.TraceID, "faxpipe-downloader", "process "+fax.EventsStream)
	var window tracingtest.Span // of the pass's windows, the one that fed the fax in
	for _, w := range spansOf(spans, proc.TraceID, "faxpipe-reconciler", "reconcile window") {
		if w.SpanID == proc.ParentID {
			window = w
		}
	}
	if window.SpanID == "" || window.ParentID != pass.SpanID || pass.ParentID != "" || down.ParentID != proc.SpanID {
		t.Errorf("spans not linked pass → window → processor → downloader: %+v", []tracingtest.Span{pass, window, proc, down})
	}
	checkAttributes(t, window, map[string]string{"faxpipe.provider": "sfax", "faxpipe.account": "demo", "faxpipe.missing": "1"})
	checkTraceparent(t, js, fax.RawStream, proc.TraceID, window.SpanID)
	checkNoSecretsIn(t, spans, r.Faxes[0])
}

// tracingEnv turns tracing on, exporting to rcv every 100 ms.
func tracingEnv(rcv *tracingtest.Receiver) []string {
	return []string{"FAXPIPE_TRACING_ENDPOINT=" + rcv.URL, "OTEL_BSP_SCHEDULE_DELAY=100"}
}

// traceparentProxy is the provider's side of a trace: it forwards every
// request to the ingress with a traceparent of its trace and a new span.
type traceparentProxy struct {
	url string
	mu  sync.Mutex
	ids []string
}

func startTraceparentProxy(t *testing.T, target, traceID string) *traceparentProxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &traceparentProxy{}
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		id := randomHex(8)
		p.mu.Lock()
		p.ids = append(p.ids, id)
		p.mu.Unlock()
		r.Out.Header.Set("Traceparent", "00-"+traceID+"-"+id+"-01")
	}}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *traceparentProxy) spanIDs() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ids...)
}

func (p *traceparentProxy) sent(id string) bool {
	for _, s := range p.spanIDs() {
		if s == id {
			return true
		}
	}
	return false
}

// randomHex is n random bytes in hex (crypto/rand.Read never fails).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// spansOf are the spans of trace named name by service.
func spansOf(spans []tracingtest.Span, traceID, service, name string) []tracingtest.Span {
	var out []tracingtest.Span
	for _, s := range spans {
		if s.TraceID == traceID && s.Service == service && s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// onlySpan is the one span of trace named name by service.
func onlySpan(t *testing.T, spans []tracingtest.Span, traceID, service, name string) tracingtest.Span {
	t.Helper()
	got := spansOf(spans, traceID, service, name)
	if len(got) != 1 {
		t.Fatalf("%d spans %q of %s in trace %s, want 1; received: %+v", len(got), name, service, traceID, spans)
	}
	if got[0].Error {
		t.Errorf("span %q of %s failed: %+v", name, service, got[0])
	}
	return got[0]
}

func checkAttributes(t *testing.T, s tracingtest.Span, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if s.Attributes[k] != v {
			t.Errorf("span %q: attribute %s = %q, want %q", s.Name, k, s.Attributes[k], v)
		}
	}
}

// checkTraceparent checks that the one message of stream carries a
// traceparent, under that lower-case key, naming span spanID of trace
// traceID.
func checkTraceparent(t *testing.T, js jetstream.JetStream, stream, traceID, spanID string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	msgs := readStream(ctx, t, js, stream)
	if len(msgs) != 1 {
		t.Fatalf("%d messages in %s, want 1", len(msgs), stream)
	}
	h := msgs[0].Headers()
	if got, want := h[tracing.TraceparentHeader], "00-"+traceID+"-"+spanID+"-01"; len(got) != 1 || got[0] != want {
		t.Errorf("%s message: traceparent %q, want %q (headers %v)", stream, got, want, h)
	}
}

// checkNoSecretsIn fails t if an attribute of spans holds a phone number
// of f or a credential of the test accounts.
func checkNoSecretsIn(t *testing.T, spans []tracingtest.Span, f sim.Fax) {
	t.Helper()
	needles := []string{"demo-gofax-password", "demo-url-secret", "demo-efax-api-key", "demo-efax-hmac-secret",
		"5787A4EDBCDE46F9D6D2E067AC7097DC", "0123456789abcdef0123456789abcdef"}
	for _, n := range []string{f.From, f.To} {
		if n = strings.TrimPrefix(n, "+"); len(n) > 6 {
			needles = append(needles, n)
		}
	}
	for _, s := range spans {
		for k, v := range s.Attributes {
			for _, n := range needles {
				if strings.Contains(v, n) {
					t.Errorf("span %q of %s: attribute %s holds %s", s.Name, s.Service, k, fmt.Sprintf("%.4s…", n))
				}
			}
		}
	}
}
