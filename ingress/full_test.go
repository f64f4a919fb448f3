package ingress_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestRawStreamFullAnswers503AndKeepsWhatItHas: FAXPIPE_RAW at its
// max_bytes refuses new callbacks (DiscardNew) instead of dropping the
// oldest unprocessed ones: the ingress answers 503 with Retry-After, so the
// provider retries, every callback stored before is still there, and once
// there is room again callbacks are stored.
func TestRawStreamFullAnswers503AndKeepsWhatItHas(t *testing.T) {
	ns := streamtest.Start(t)
	streams := config.Default().Streams
	streams.Raw.MaxBytes = 16 << 10
	conn := streamtest.Connect(t, ns, streams)
	h := &harness{t: t, nats: ns, conn: conn}
	h.base, h.logs, h.stop = startIngress(t, testIngressConfig(), stream.NewPublisher(conn, fax.RawStream))
	post := func(i int) *http.Response {
		body := fmt.Sprintf(`{"n":%d,"pad":%q}`, i, strings.Repeat("x", 2<<10))
		resp, _ := do(t, newRequest(t, "POST", h.base+"/callbacks/efax/demo", body))
		return resp
	}
	stored := 0
	for i := range 20 {
		resp := post(i)
		if resp.StatusCode == http.StatusServiceUnavailable {
			if resp.Header.Get("Retry-After") == "" {
				t.Fatal("503 without Retry-After")
			}
			break
		}
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("callback %d: status %d, want 200 until the stream is full, then 503", i, resp.StatusCode)
		}
		stored++
	}
	if stored == 0 || stored == 20 {
		t.Fatalf("%d of 20 callbacks of 2 KiB stored in a 16 KiB stream, want some and then 503", stored)
	}
	envs := h.envelopes()
	if len(envs) != stored || !strings.Contains(string(envs[0].Body), `"n":0,`) {
		t.Fatalf("%d envelopes kept (first %q), want all %d stored before the stream filled, from the first", len(envs), envs[0].Body, stored)
	}
	streams.Raw.MaxBytes = 1 << 20
	if err := stream.NewTopology(streams).Ensure(t.Context(), conn.JS); err != nil {
		t.Fatal(err)
	}
	waitFor200(t, func() *http.Response { return post(99) })
}
