package processor_test

import (
	"slices"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/replay"
	"github.com/faxpipe/faxpipe/processor"
)

// wrongKeyed is a pipeline whose processor ran with a wrong eFax HMAC
// secret: the eFax callbacks were rejected (signature_invalid), the Sfax
// ones became events. It returns the eFax fax ids, in stream order.
func wrongKeyed(t *testing.T) (*pipeline, []string) {
	p := newPipeline(t)
	now := time.Now().UTC()
	efaxIDs := []string{"efax-1", "efax-2", "efax-3"}
	p.publishRaw(sfaxEnvelope(t, "2150102030405000001", now, now))
	for _, id := range efaxIDs {
		p.publishRaw(efaxEnvelope(t, id, efaxSecret, now))
	}
	p.publishRaw(sfaxEnvelope(t, "2150102030405000002", now, now))
	wrong := accounts()
	wrong[1].(*efax.Account).HMACSecret = config.Literal("a-typo-in-the-secret")
	adapters, err := provider.NewNormalizers(wrong, digester(t))
	if err != nil {
		t.Fatal(err)
	}
	r := p.start(func(fax.Normalizer) fax.Normalizer { return adapters })
	p.settle(20 * time.Second)
	r.stop(t)
	if got, want := len(p.rejected()), len(efaxIDs); got != want {
		t.Fatalf("%d rejections before the fix, want %d", got, want)
	}
	if got := len(p.events()); got != 2 {
		t.Fatalf("%d events before the fix, want 2", got)
	}
	return p, efaxIDs
}

// replayer is a Replayer with the configuration fixed.
func (p *pipeline) replayer() replay.Reprocessor {
	p.t.Helper()
	adapters, err := provider.NewNormalizers(accounts(), digester(p.t))
	if err != nil {
		p.t.Fatal(err)
	}
	rp, err := processor.NewReplayer(p.t.Context(), processor.Deps{Conn: p.conn, Normalizer: adapters, Log: zap.NewNop()})
	if err != nil {
		p.t.Fatal(err)
	}
	return replay.FromProcessor(rp)
}

// eventFaxIDs lists the fax ids of the events stream, failing the test if
// one has two events.
func (p *pipeline) eventFaxIDs() []string {
	p.t.Helper()
	var ids []string
	for id, n := range countByID(p.events()) {
		if n != 1 {
			p.t.Errorf("event %s published %d times", id, n)
		}
	}
	for _, e := range p.events() {
		ids = append(ids, e.Data.FaxID)
	}
	slices.Sort(ids)
	return ids
}

type summaryWant struct{ events, duplicates, rejected int }

func checkSummary(t *testing.T, what string, s replay.Summary, err error, want summaryWant) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got := summaryWant{s.Events, s.Duplicates, s.Rejections()}
	if got != want || s.Failed != 0 || s.Processed != want.events+want.duplicates+want.rejected {
		t.Errorf("%s: %+v, want %+v and nothing failed", what, s, want)
	}
}

// TestReplayAfterKeyFix: once the wrong key is fixed, replaying the raw
// stream turns exactly the earlier rejections into events, once each; a
// dry run before says so and publishes nothing; replaying again adds
// nothing (0 new, all duplicates) and records no new rejection.
func TestReplayAfterKeyFix(t *testing.T) {
	p, efaxIDs := wrongKeyed(t)
	rp := p.replayer()
	before := p.eventFaxIDs()

	dry, err := replay.Replay(t.Context(), p.conn.JS, rp, replay.Range{}, replay.Options{DryRun: true})
	checkSummary(t, "dry run", dry, err, summaryWant{events: 3, duplicates: 2})
	if got := p.eventFaxIDs(); !slices.Equal(got, before) {
		t.Fatalf("the dry run published: events %v, before %v", got, before)
	}

	first, err := replay.Replay(t.Context(), p.conn.JS, rp, replay.Range{}, replay.Options{})
	checkSummary(t, "replay", first, err, summaryWant{events: 3, duplicates: 2})
	want := slices.Sorted(slices.Values(append(slices.Clone(before), efaxIDs...)))
	if got := p.eventFaxIDs(); !slices.Equal(got, want) {
		t.Errorf("events after the replay %v, want %v", got, want)
	}

	second, err := replay.Replay(t.Context(), p.conn.JS, rp, replay.Range{}, replay.Options{})
	checkSummary(t, "second replay", second, err, summaryWant{duplicates: 5})
	if got := p.eventFaxIDs(); !slices.Equal(got, want) {
		t.Errorf("events after the second replay %v, want %v", got, want)
	}
	if got := len(p.rejected()); got != 3 {
		t.Errorf("%d rejections after the replays, want the 3 of before", got)
	}
}

// TestReplaySelectsRange: a replay processes only the raw callbacks of its
// time range and provider.
func TestReplaySelectsRange(t *testing.T) {
	p, _ := wrongKeyed(t)
	rp := p.replayer()
	raws := streamtest.Messages(t, p.conn.JS, "FAXPIPE_RAW") // sfax, efax-1, efax-2, efax-3, sfax
	cases := []struct {
		name string
		r    replay.Range
		want summaryWant
	}{
		{"efax-2 and efax-3 by time", replay.Range{From: raws[2].Time, To: raws[3].Time}, summaryWant{events: 2}},
		{"sfax only", replay.Range{Provider: fax.Sfax}, summaryWant{duplicates: 2}},
		{"efax from efax-1 on", replay.Range{From: raws[1].Time, Provider: fax.EFax}, summaryWant{events: 1, duplicates: 2}},
		{"an account without callbacks", replay.Range{Account: "nobody"}, summaryWant{}},
	}
	for _, c := range cases {
		s, err := replay.Replay(t.Context(), p.conn.JS, rp, c.r, replay.Options{Concurrency: 1})
		checkSummary(t, c.name, s, err, c.want)
	}
}

// TestRedriveAfterKeyFix: once the wrong key is fixed, re-driving the
// rejections turns exactly them into events, once each; re-driving again
// adds nothing.
func TestRedriveAfterKeyFix(t *testing.T) {
	p, efaxIDs := wrongKeyed(t)
	rp := p.replayer()
	before := p.eventFaxIDs()
	var rejections []replay.Rejection
	err := replay.Rejections(t.Context(), p.conn.JS, replay.RejectionFilter{Reason: fax.ReasonSignatureInvalid},
		func(r replay.Rejection) error { rejections = append(rejections, r); return nil })
	if err != nil || len(rejections) != 3 {
		t.Fatalf("listed %d signature_invalid rejections (%v), want 3", len(rejections), err)
	}

	first, err := replay.Redrive(t.Context(), p.conn.JS, rp, rejections, replay.Options{})
	checkSummary(t, "re-drive", first, err, summaryWant{events: 3})
	want := slices.Sorted(slices.Values(append(slices.Clone(before), efaxIDs...)))
	if got := p.eventFaxIDs(); !slices.Equal(got, want) {
		t.Errorf("events after the re-drive %v, want %v", got, want)
	}
	second, err := replay.Redrive(t.Context(), p.conn.JS, rp, rejections, replay.Options{})
	checkSummary(t, "second re-drive", second, err, summaryWant{duplicates: 3})
	if got := p.eventFaxIDs(); !slices.Equal(got, want) {
		t.Errorf("events after the second re-drive %v, want %v", got, want)
	}
}
