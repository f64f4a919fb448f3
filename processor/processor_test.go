package processor_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// TestSameCallbackManyTimesIsOneEvent: one Sfax callback delivered five
// times, plus the provider's retry of it with a freshly generated token, and
// one eFax callback three times, give exactly one event each.
func TestSameCallbackManyTimesIsOneEvent(t *testing.T) {
	p := newPipeline(t)
	// The dedupe hits are counted exactly: no message may be redelivered
	// because a loaded machine let the 1 s AckWait pass.
	p.ackWait = time.Minute
	now := time.Now().UTC()
	first := sfaxEnvelope(t, "2150102030405000000", now.Add(-time.Minute), now)
	for range 5 {
		dup := *first
		dup.ID = envelope(t, fax.Sfax, "GET", "", nil, nil, now).ID // a new delivery, a new envelope id
		p.publishRaw(&dup)
	}
	p.publishRaw(sfaxEnvelope(t, "2150102030405000000", now.Add(2*time.Minute), now.Add(2*time.Minute)))
	for range 3 {
		p.publishRaw(efaxEnvelope(t, "7e029808-237b-413e-a051-53bf445e8b49", efaxSecret, now))
	}
	r := p.start(nil)
	p.settle(20 * time.Second)

	evs := p.events()
	if len(evs) != 2 {
		t.Fatalf("got %d events, want 2 (one per fax): %v", len(evs), countByID(evs))
	}
	for _, e := range evs {
		providertest.ValidateJSON(t, "fax-event.v1.json", e.raw)
	}
	subjects := map[string]bool{}
	for _, e := range evs {
		subjects[e.natsSubject] = true
	}
	for _, want := range []string{"faxpipe.events.sfax.demo.fax.inbound.received", "faxpipe.events.efax.demo.fax.inbound.received"} {
		if !subjects[want] {
			t.Errorf("no event on %s; got %v", want, subjects)
		}
	}
	if got := r.counter(t, "faxpipe_processor_dedupe_hits_total"); got != 7 {
		t.Errorf("dedupe hits = %v, want 7 (5 sfax + 2 efax)", got)
	}
	if got := len(p.rejected()); got != 0 {
		t.Errorf("%d rejections, want none", got)
	}
}

// TestForgeriesAreRejectedWithReason: forged, expired, unknown and malformed
// callbacks end in FAXPIPE_REJECTED with their reason and make no event.
// The ingress refuses forgeries before storing them; these reach the
// processor as a raw message altered on the broker, or published around
// the ingress, would: the processor still verifies everything it reads.
func TestForgeriesAreRejectedWithReason(t *testing.T) {
	p := newPipeline(t)
	now := time.Now().UTC()
	unknown := efaxEnvelope(t, "fax-unknown", efaxSecret, now)
	unknown.Account = "nobody"
	altered := efaxEnvelope(t, "fax-altered", efaxSecret, now)
	altered.Body = []byte(strings.Replace(string(altered.Body), `"pages":2`, `"pages":3`, 1))
	cases := []struct {
		env    *fax.Envelope
		reason fax.Reason
	}{
		{efaxEnvelope(t, "fax-wrong-hmac", "not-the-secret", now), fax.ReasonSignatureInvalid},
		{altered, fax.ReasonSignatureInvalid},
		{sfaxEnvelope(t, "2150102030405000001", now.Add(-time.Hour), now), fax.ReasonTokenExpired},
		{sfaxEnvelope(t, "2150102030405000002", now.Add(time.Hour), now), fax.ReasonTokenExpired},
		{unknown, fax.ReasonUnknownAccount},
	}
	for _, c := range cases {
		p.publishRaw(c.env)
	}
	const garbage = "\x00not an envelope"
	if _, err := p.conn.JS.Publish(t.Context(), "faxpipe.raw.efax.demo", []byte(garbage)); err != nil {
		t.Fatal(err)
	}
	p.start(nil)
	p.settle(20 * time.Second)

	if evs := p.events(); len(evs) != 0 {
		t.Fatalf("forgeries made %d events", len(evs))
	}
	rej := p.rejected()
	if len(rej) != len(cases)+1 {
		t.Fatalf("got %d rejections, want %d", len(rej), len(cases)+1)
	}
	byEnvelope := map[string]rejection{}
	for _, r := range rej {
		providertest.ValidateJSON(t, "rejected.v1.json", r.raw)
		if r.Envelope != nil || r.Raw != nil {
			t.Errorf("rejection #%d copies the raw callback: %s", r.RawSeq, r.raw)
		}
		if r.RawID != "" {
			byEnvelope[r.RawID] = r
		} else if r.Reason != fax.ReasonMalformed || r.natsSubject != "faxpipe.rejected.efax.demo.malformed" || r.BodySize != len(garbage) ||
			r.BodySHA256 != fmt.Sprintf("%x", sha256.Sum256([]byte(garbage))) || r.RawSeq != uint64(len(cases)+1) {
			t.Errorf("undecodable message: reason %s subject %s raw #%d body %d bytes %s", r.Reason, r.natsSubject, r.RawSeq, r.BodySize, r.BodySHA256)
		}
	}
	for _, c := range cases {
		r, ok := byEnvelope[c.env.ID]
		if !ok {
			t.Errorf("envelope of %s/%s not rejected", c.env.Provider, c.env.Account)
			continue
		}
		want := fmt.Sprintf("faxpipe.rejected.%s.%s.%s", c.env.Provider, c.env.Account, c.reason)
		if r.Reason != c.reason || r.natsSubject != want {
			t.Errorf("rejected as %s on %s, want %s on %s (%s)", r.Reason, r.natsSubject, c.reason, want, r.Detail)
		}
		if r.BodySize != len(c.env.Body) || r.BodySHA256 != fmt.Sprintf("%x", sha256.Sum256(c.env.Body)) || !r.ReceivedAt.Equal(c.env.ReceivedAt) {
			t.Errorf("rejection of %s: body %d bytes %s, received %s; want the envelope's", c.env.ID, r.BodySize, r.BodySHA256, r.ReceivedAt)
		}
	}
}

// TestReplayOfOldRawStillVerifies: verification uses the receipt time, so a
// raw message received days ago (within the dedupe horizon) with a
// then-fresh token still verifies.
func TestReplayOfOldRawStillVerifies(t *testing.T) {
	p := newPipeline(t)
	then := time.Now().UTC().Add(-5 * 24 * time.Hour)
	p.publishRaw(sfaxEnvelope(t, "2150102030405000009", then.Add(-time.Minute), then))
	p.start(nil)
	p.settle(20 * time.Second)
	if evs, rej := p.events(), p.rejected(); len(evs) != 1 || len(rej) != 0 {
		t.Fatalf("got %d events and %d rejections, want 1 and 0", len(evs), len(rej))
	}
}

// TestCrashMidBatchNoLossNoDouble: a processor whose connection dies in the
// middle of a batch (in-flight publishes and acks lost) is replaced by
// another; every callback ends as exactly one event.
func TestCrashMidBatchNoLossNoDouble(t *testing.T) {
	p := newPipeline(t)
	now := time.Now().UTC()
	const n = 300
	for i := range n {
		p.publishRaw(efaxEnvelope(t, fmt.Sprintf("fax-%04d", i), efaxSecret, now))
	}
	first := p.start(nil)
	waitForEvents(t, p, 60)
	first.kill(t) // the crash: no drain, no acks for what it holds
	p.start(nil)
	p.settle(30 * time.Second)

	evs := p.events()
	counts := countByID(evs)
	if len(counts) != n {
		t.Errorf("got %d distinct events, want %d; %s", len(counts), n, p.whereAreThey())
	}
	for id, c := range counts {
		if c != 1 {
			t.Errorf("event %s published %d times", id, c)
		}
	}
}

// TestTwoProcessorsShareTheWork: two processors on one durable consumer
// split the raw stream, duplicates included, without doubling any event.
// Both consume before the callbacks arrive: one started after the stream
// was filled could find the other done with all of it.
func TestTwoProcessorsShareTheWork(t *testing.T) {
	p := newPipeline(t)
	a, b := p.start(nil), p.start(nil)
	a.waitReady(t)
	b.waitReady(t)
	now := time.Now().UTC()
	const n = 200
	for i := range n {
		p.publishRaw(efaxEnvelope(t, fmt.Sprintf("fax-%04d", i), efaxSecret, now))
		p.publishRaw(efaxEnvelope(t, fmt.Sprintf("fax-%04d", i), efaxSecret, now))
	}
	p.settle(30 * time.Second)
	counts := countByID(p.events())
	if len(counts) != n {
		t.Errorf("got %d distinct events, want %d; %s", len(counts), n, p.whereAreThey())
	}
	for id, c := range counts {
		if c != 1 {
			t.Errorf("event %s published %d times", id, c)
		}
	}
	sa := a.counter(t, "faxpipe_processor_messages_total")
	sb := b.counter(t, "faxpipe_processor_messages_total")
	// More than 2n when a slow machine let a message's 1 s AckWait pass:
	// a redelivery, counted again (as a duplicate).
	if sa == 0 || sb == 0 || sa+sb < 2*n {
		t.Errorf("processed %v and %v messages, want both > 0 and at least %d in all", sa, sb, 2*n)
	}
}

// TestPoisonIsRejectedAndDoesNotBlock: a message whose processing always
// fails is rejected as processing_failed after MaxDeliver deliveries; the
// messages behind it become events meanwhile.
func TestPoisonIsRejectedAndDoesNotBlock(t *testing.T) {
	p := newPipeline(t)
	now := time.Now().UTC()
	poison := efaxEnvelope(t, "fax-poison", efaxSecret, now)
	p.publishRaw(poison)
	for i := range 20 {
		p.publishRaw(efaxEnvelope(t, fmt.Sprintf("fax-%02d", i), efaxSecret, now))
	}
	var attempts atomic.Int32
	p.start(func(n fax.Normalizer) fax.Normalizer {
		return normalizerFunc(func(raw fax.RawMessage) (fax.Event, error) {
			if raw.Envelope != nil && raw.Envelope.ID == poison.ID {
				if attempts.Add(1)%2 == 0 {
					panic("poison")
				}
				return fax.Event{}, errBoom // transient: not a reason
			}
			return n.Normalize(raw)
		})
	})
	p.settle(30 * time.Second)
	if got := len(p.events()); got != 20 {
		t.Errorf("got %d events, want 20", got)
	}
	rej := p.rejected()
	if len(rej) != 1 || rej[0].Reason != fax.ReasonProcessingFailed || rej[0].RawID != poison.ID {
		t.Fatalf("rejections = %+v, want the poison as processing_failed", rej)
	}
	if got := attempts.Load(); got != testMaxDeliver {
		t.Errorf("poison tried %d times, want MaxDeliver = %d", got, testMaxDeliver)
	}
	providertest.ValidateJSON(t, "rejected.v1.json", rej[0].raw)
}

type normalizerFunc func(fax.RawMessage) (fax.Event, error)

func (f normalizerFunc) Normalize(raw fax.RawMessage) (fax.Event, error) { return f(raw) }

func waitForEvents(t *testing.T, p *pipeline, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		st, err := p.conn.JS.Stream(t.Context(), "FAXPIPE_EVENTS")
		if err == nil && st.CachedInfo().State.Msgs >= uint64(n) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("fewer than %d events within 20s", n)
}

// TestConsumerDeletedStopsTheProcessor: a processor whose consumer is
// deleted under it fails (and its process restarts) instead of idling.
func TestConsumerDeletedStopsTheProcessor(t *testing.T) {
	p := newPipeline(t)
	p.publishRaw(efaxEnvelope(t, "fax-1", efaxSecret, time.Now()))
	r := p.start(nil)
	p.settle(20 * time.Second)
	if err := p.conn.JS.DeleteConsumer(t.Context(), "FAXPIPE_RAW", "faxpipe-processor"); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-r.done:
		if err == nil {
			t.Fatal("Run returned nil after its consumer was deleted, want an error")
		}
		r.done <- nil // let the cleanup's stop see a clean end
	case <-time.After(20 * time.Second):
		t.Fatal("the processor kept running without its consumer")
	}
}

// TestBrokerOutageIsNotPoison: a message failing only because the broker
// does not answer is retried past MaxDeliver, not rejected: an outage longer
// than the poison budget must not turn its callbacks into rejections.
func TestBrokerOutageIsNotPoison(t *testing.T) {
	p := newPipeline(t)
	env := efaxEnvelope(t, "fax-during-outage", efaxSecret, time.Now().UTC())
	p.publishRaw(env)
	var attempts atomic.Int32
	p.start(func(n fax.Normalizer) fax.Normalizer {
		return normalizerFunc(func(raw fax.RawMessage) (fax.Event, error) {
			if attempts.Add(1) <= 2*testMaxDeliver {
				return fax.Event{}, fmt.Errorf("publish event: %w", context.DeadlineExceeded)
			}
			return n.Normalize(raw)
		})
	})
	waitForEvents(t, p, 1)
	if got := len(p.rejected()); got != 0 {
		t.Errorf("%d rejections, want none: the broker, not the message, failed", got)
	}
	if got := attempts.Load(); got <= 2*testMaxDeliver {
		t.Errorf("tried %d times, want more than %d", got, 2*testMaxDeliver)
	}
}
