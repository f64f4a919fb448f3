package stream_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestUsageExportsHowFullStreamsAre: the gauges carry each stream's bytes
// and max_bytes as the broker has them, with its discard policy; a stream
// that does not exist has no series, and one the broker no longer answers
// for keeps its series through a few failed reads, then loses them rather
// than show a stale fill.
func TestUsageExportsHowFullStreamsAre(t *testing.T) {
	ns := streamtest.Start(t)
	cfg := config.Default().Streams
	conn := streamtest.Connect(t, ns, cfg)
	ctx := context.Background()
	for i := range 10 {
		if _, err := conn.JS.Publish(ctx, "faxpipe.raw.efax.demo", []byte(fmt.Sprintf("callback %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	reg := prometheus.NewPedanticRegistry()
	u, err := stream.NewUsage(conn.JS, []string{fax.RawStream, stream.ForgedStream, "NO_SUCH_STREAM"}, reg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	u.Read(ctx)

	raw, err := conn.JS.Stream(ctx, fax.RawStream)
	if err != nil {
		t.Fatal(err)
	}
	rawBytes := raw.CachedInfo().State.Bytes
	if rawBytes == 0 {
		t.Fatal("FAXPIPE_RAW holds nothing after 10 publishes")
	}
	want := map[string]float64{
		`faxpipe_stream_bytes{discard="new",stream="FAXPIPE_RAW"}`:        float64(rawBytes),
		`faxpipe_stream_max_bytes{discard="new",stream="FAXPIPE_RAW"}`:    float64(cfg.Raw.MaxBytes),
		`faxpipe_stream_bytes{discard="old",stream="FAXPIPE_FORGED"}`:     0,
		`faxpipe_stream_max_bytes{discard="old",stream="FAXPIPE_FORGED"}`: float64(cfg.Forged.MaxBytes),
	}
	assertGauges(t, reg, want)

	// The broker goes away: one failed read leaves the series (an alert's
	// wait goes on), a minute of them removes them.
	ns.Stop()
	failRead := func() {
		short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
		defer cancel()
		u.Read(short)
	}
	failRead()
	assertGauges(t, reg, want)
	for range 3 {
		failRead()
	}
	assertGauges(t, reg, map[string]float64{})
}

// TestUsageFollowsAStreamsPolicy: a stream without max_bytes has no
// max_bytes series, and a stream whose discard policy changes has the
// series of its new policy only.
func TestUsageFollowsAStreamsPolicy(t *testing.T) {
	conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
	ctx := context.Background()
	cfg := jetstream.StreamConfig{Name: "USAGE_TEST", Subjects: []string{"usage.test"}, MaxBytes: -1, Discard: jetstream.DiscardOld}
	if _, err := conn.JS.CreateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.JS.Publish(ctx, "usage.test", []byte("x")); err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	u, err := stream.NewUsage(conn.JS, []string{"USAGE_TEST"}, reg, zap.NewNop())
	if err != nil {
		t.Fatal(err)
	}
	bytesOf := func() float64 {
		s, err := conn.JS.Stream(ctx, "USAGE_TEST")
		if err != nil {
			t.Fatal(err)
		}
		return float64(s.CachedInfo().State.Bytes)
	}
	u.Read(ctx)
	assertGauges(t, reg, map[string]float64{`faxpipe_stream_bytes{discard="old",stream="USAGE_TEST"}`: bytesOf()})

	cfg.MaxBytes, cfg.Discard = 1<<20, jetstream.DiscardNew
	if _, err := conn.JS.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	u.Read(ctx)
	assertGauges(t, reg, map[string]float64{
		`faxpipe_stream_bytes{discard="new",stream="USAGE_TEST"}`:     bytesOf(),
		`faxpipe_stream_max_bytes{discard="new",stream="USAGE_TEST"}`: 1 << 20,
	})
}

func assertGauges(t *testing.T, reg prometheus.Gatherer, want map[string]float64) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			key := f.GetName() + "{"
			for i, l := range m.GetLabel() {
				if i > 0 {
					key += ","
				}
				key += fmt.Sprintf("%s=%q", l.GetName(), l.GetValue())
			}
			got[key+"}"] = m.GetGauge().GetValue()
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d series, want %d: %v", len(got), len(want), got)
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
}
