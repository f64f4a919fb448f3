package e2e

import (
	"net/http"
	"testing"
)

// The harness itself: every service ready over a separate nats-server, the
// topology in place, and the public port answering.
func TestPipelineStarts(t *testing.T) {
	p := startPipeline(t, pipelineOptions{})
	resp, err := http.Get(p.ingressURL + "/callbacks/efax/no-such-account")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown account: %d, want 404", resp.StatusCode)
	}
	l := readLanded(t, connect(t, p.natsURL))
	if len(l.events) != 0 || len(l.documents) != 0 || l.rejected != 0 {
		t.Errorf("landed %+v before any callback", l)
	}
}
