package processor_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/ops"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
)

// shortHorizonTTL is the dedupe_ttl of TestReplayAfterDedupeHorizon: event
// ids are forgotten after 8 s, and callbacks older than 6 s (8 s less a
// quarter) are refused.
const shortHorizonTTL = 8 * time.Second

// TestReplayAfterDedupeHorizon: a callback processed once, whose event id
// the events stream's duplicate window has since forgotten, gives no second event however it
// comes back — its raw message re-published with its original receipt
// time (as a replay, or someone holding the ingress's credentials, would),
// `faxpipe replay` (refused up front before the horizon, rejected by the
// processor within it), or the captured callback sent again fresh (a new
// receipt time, the provider's fax time old) — and each time ends
// recorded as rejected with its reason.
func TestReplayAfterDedupeHorizon(t *testing.T) {
	p := shortHorizonPipeline(t)
	sent := time.Now().UTC()
	orig := efaxEnvelope(t, "fax-replayed", efaxSecret, sent)
	p.publishRaw(orig)
	p.start(nil)
	p.settle(5 * time.Second)
	if n := len(p.events()); n != 1 {
		t.Fatalf("%d events of the first callback, want 1", n)
	}
	p.waitForgotten(time.Now())

	// 1. The raw message again, byte for byte, with its original received_at.
	p.publishRaw(orig)
	p.wantRejected(orig.ID, fax.ReasonBeyondDedupeHorizon)

	// 2. faxpipe replay: a range reaching before the horizon is refused up
	// front; the default range (from the horizon) holds only the re-published
	// message, whose receipt time is before it: rejected again.
	var stdout, stderr bytes.Buffer
	err := ops.Replay(t.Context(), p.conn.JS, p.replayer(), []string{"--from", "1m", "--json"}, &stdout, &stderr)
	if !errors.Is(err, replay.ErrBeyondHorizon) || !strings.Contains(err.Error(), "streams.dedupe_ttl") {
		t.Fatalf("replay --from 1m = %v, want ErrBeyondHorizon naming streams.dedupe_ttl", err)
	}
	stdout.Reset()
	if err := ops.Replay(t.Context(), p.conn.JS, p.replayer(), []string{"--json"}, &stdout, &stderr); err != nil {
		t.Fatalf("replay: %v\n%s", err, stderr.String())
	}
	var s replay.Summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	if s.Events != 0 || s.Processed != 1 || s.Rejected[fax.ReasonBeyondDedupeHorizon] != 1 {
		t.Errorf("replay summary %+v, want the re-published callback rejected as beyond_dedupe_horizon", s)
	}

	// 3. The captured callback sent again now: a fresh envelope, the same
	// signed body, whose completed_timestamp is before the horizon.
	fresh := *orig
	fresh.ID, fresh.ReceivedAt = uuid.Must(uuid.NewV7()).String(), time.Now().UTC()
	p.publishRaw(&fresh)
	p.wantRejected(fresh.ID, fax.ReasonStale)
	p.settle(5 * time.Second)

	if n := len(p.events()); n != 1 {
		t.Errorf("%d events in all, want the first one only", n)
	}
}

// shortHorizonPipeline is a pipeline whose events stream forgets event ids
// after shortHorizonTTL.
func shortHorizonPipeline(t *testing.T) *pipeline {
	ns := streamtest.Start(t)
	streams := config.Default().Streams
	streams.DedupeTTL, streams.DuplicateWindow = shortHorizonTTL, time.Second
	return &pipeline{t: t, nats: ns, conn: streamtest.Connect(t, ns, streams)}
}

// waitForgotten waits until FAXPIPE_EVENTS's duplicate window has passed
// over the event published at publishedBy (or before): the broker no
// longer knows its id.
func (p *pipeline) waitForgotten(publishedBy time.Time) {
	p.t.Helper()
	time.Sleep(time.Until(publishedBy.Add(shortHorizonTTL + time.Second)))
}

// wantRejected waits (up to 5 s) for the rejection of the raw message of
// envelope id, and checks that it is for reason, by reference.
func (p *pipeline) wantRejected(id string, reason fax.Reason) {
	p.t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		for _, r := range p.rejected() {
			if r.RawID == id {
				if r.Reason != reason {
					p.t.Errorf("envelope %s rejected as %s (%s), want %s", id, r.Reason, r.Detail, reason)
				}
				return
			}
		}
	}
	p.t.Errorf("envelope %s not rejected within 5s, want %s", id, reason)
}
