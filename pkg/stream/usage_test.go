package stream_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestUsageExportsHowFullStreamsAre: the gauges carry each stream's bytes
// and max_bytes as the broker has them, with its discard policy; a stream
// that cannot be read has no series, not a stale one.
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

	// The broker goes away: the series go with it.
	ns.Stop()
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	u.Read(short)
	assertGauges(t, reg, map[string]float64{})
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
