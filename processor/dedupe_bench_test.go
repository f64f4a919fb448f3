package processor_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// dedupeIDs is the number of event ids the memory comparison holds: a
// week of 143 000 faxes a day.
const dedupeIDs = 1_000_000

// BenchmarkDedupeMemory measures what remembering dedupeIDs event ids costs
// the broker's memory, both ways of remembering them, on in-process
// servers (file storage), once whatever b.N:
//   - window: FAXPIPE_EVENTS's duplicate window (today's design): ids of
//     the messages within the window, in the server's memory. Compared
//     with the same messages published without an id.
//   - kv: a key-value bucket with one key per id (the design before):
//     one subject per key in the server's per-subject index. Compared with
//     the same number of messages on one subject.
//
// Each figure is the Go heap in use after a collection, on a fresh server,
// with the ids less without them. The processor itself holds no id either
// way.
func BenchmarkDedupeMemory(b *testing.B) {
	window := heapDelta(b, func(js jetstream.JetStream, withIDs bool) {
		sc := jetstream.StreamConfig{Name: "WINDOW", Subjects: []string{"w.>"}, Storage: jetstream.FileStorage, Duplicates: 7 * 24 * time.Hour}
		publishN(b, js, sc, func(i int, m *nats.Msg) {
			m.Subject = "w.efax.demo.fax.inbound.received"
			if withIDs {
				m.Header.Set(jetstream.MsgIDHeader, eventID(i))
			}
		})
	})
	kv := heapDelta(b, func(js jetstream.JetStream, withIDs bool) {
		if withIDs {
			if _, err := js.CreateKeyValue(context.Background(), jetstream.KeyValueConfig{Bucket: "ids", History: 1, TTL: 7 * 24 * time.Hour, Storage: jetstream.FileStorage}); err != nil {
				b.Fatal(err)
			}
			publishN(b, js, jetstream.StreamConfig{}, func(i int, m *nats.Msg) {
				m.Subject = "$KV.ids." + eventID(i)
				m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, "0") // a Create
			})
			return
		}
		sc := jetstream.StreamConfig{Name: "ONE", Subjects: []string{"one"}, Storage: jetstream.FileStorage}
		publishN(b, js, sc, func(_ int, m *nats.Msg) { m.Subject = "one" })
	})
	b.ReportMetric(window, "MiB-window")
	b.ReportMetric(kv, "MiB-kv")
	fmt.Printf("MEASURE dedupe-memory-window-mib=%.0f dedupe-memory-kv-mib=%.0f (broker heap for %d event ids; the processor holds none)\n", window, kv, dedupeIDs)
}

// eventID is an id shaped like an event id (a UUID).
func eventID(i int) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, fmt.Appendf(nil, "%d", i)).String()
}

// heapDelta runs fill on a fresh server with ids and without, and is the
// difference of the heap in use after each, in MiB.
func heapDelta(b *testing.B, fill func(js jetstream.JetStream, withIDs bool)) float64 {
	var heap [2]uint64
	for i, withIDs := range []bool{false, true} {
		ns := streamtest.Start(b)
		conn := streamtest.Connect(b, ns, config.Default().Streams, jetstream.WithPublishAsyncMaxPending(4096))
		before := heapInUse()
		fill(conn.JS, withIDs)
		heap[i] = heapInUse() - min(before, heapInUse())
		conn.NC.Close()
		ns.Stop()
	}
	return (float64(heap[1]) - float64(heap[0])) / (1 << 20)
}

// heapInUse is the heap in use after a full collection.
func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

// publishN creates sc (unless it has no name) and publishes dedupeIDs
// small messages shaped by set, pipelined, waiting for every
// acknowledgement.
func publishN(b *testing.B, js jetstream.JetStream, sc jetstream.StreamConfig, set func(int, *nats.Msg)) {
	ctx := context.Background()
	if sc.Name != "" {
		if _, err := js.CreateStream(ctx, sc); err != nil {
			b.Fatal(err)
		}
	}
	data := []byte(`{"id":"x"}`)
	for i := range dedupeIDs {
		m := nats.NewMsg("")
		m.Data = data
		set(i, m)
		if _, err := js.PublishMsgAsync(m, jetstream.WithStallWait(time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-time.After(2 * time.Minute):
		b.Fatal("publishes not acknowledged within 2 minutes")
	}
}
