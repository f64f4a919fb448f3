package processor

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// openLookups is the dedupe bucket of a fresh broker and its lookups.
func openLookups(t *testing.T) (*streamtest.Server, *stream.Conn, jetstream.KeyValue, *lookups) {
	t.Helper()
	ns := streamtest.Start(t)
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	ctx := context.Background()
	kv, err := conn.JS.KeyValue(ctx, stream.DedupeBucket)
	if err != nil {
		t.Fatal(err)
	}
	l, err := newLookups(ctx, conn.JS, kv)
	if err != nil {
		t.Fatal(err)
	}
	return ns, conn, kv, l
}

// TestLookupsAnswerEachID: concurrent lookups of recorded, deleted, purged
// and unknown ids each get their own answer, in fewer requests than ids.
func TestLookupsAnswerEachID(t *testing.T) {
	_, _, kv, l := openLookups(t)
	ctx := context.Background()
	want := map[string]bool{}
	for i := range 400 {
		id := fmt.Sprintf("event-%03d", i)
		switch i % 4 {
		case 0, 1:
			if _, err := kv.Create(ctx, id, []byte("1")); err != nil {
				t.Fatal(err)
			}
			want[id] = true
		case 2:
			if _, err := kv.Create(ctx, id, []byte("1")); err != nil {
				t.Fatal(err)
			}
			del := kv.Delete
			if i%8 == 2 {
				del = func(ctx context.Context, key string, _ ...jetstream.KVDeleteOpt) error { return kv.Purge(ctx, key) }
			}
			if err := del(ctx, id); err != nil {
				t.Fatal(err)
			}
			want[id] = false
		default:
			want[id] = false // never recorded
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[string]bool{}
	for id := range want {
		wg.Go(func() {
			rec, err := l.recorded(ctx, id)
			if err != nil {
				t.Errorf("%s: %v", id, err)
				return
			}
			mu.Lock()
			got[id] = rec
			mu.Unlock()
		})
	}
	wg.Wait()
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: recorded = %v, want %v", id, got[id], w)
		}
	}
	if n := l.requests.Load(); n >= int64(len(want)) {
		t.Errorf("%d requests for %d concurrent lookups: not batched", n, len(want))
	}
	// Alone, a lookup still answers.
	if rec, err := l.recorded(ctx, "event-000"); err != nil || !rec {
		t.Errorf("single lookup = %v, %v; want true", rec, err)
	}
}

// TestLookupsNeverGuessWithoutAnAnswer: with the broker down or silent, a
// lookup is an error (the message is retried), never "not recorded",
// which would let a late duplicate through.
func TestLookupsNeverGuessWithoutAnAnswer(t *testing.T) {
	ns, conn, kv, l := openLookups(t)
	ctx := context.Background()
	if _, err := kv.Create(ctx, "known", []byte("1")); err != nil {
		t.Fatal(err)
	}

	t.Run("no responder", func(t *testing.T) {
		silent, err := newLookups(ctx, conn.JS, kv)
		if err != nil {
			t.Fatal(err)
		}
		silent.subject = "$JS.API.DIRECT.GET.NO_SUCH_STREAM"
		rec, err := silent.recorded(ctx, "known")
		if err == nil {
			t.Fatalf("recorded = %v with no stream to answer; want an error", rec)
		}
	})

	t.Run("broker down", func(t *testing.T) {
		ns.Stop()
		deadline := time.Now().Add(5 * time.Second)
		for conn.NC.IsConnected() && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		rec, err := l.recorded(ctx, "known")
		if err == nil {
			t.Fatalf("recorded = %v with the broker down; want an error", rec)
		}
	})

	t.Run("recovers", func(t *testing.T) {
		ns.Restart()
		deadline := time.Now().Add(10 * time.Second)
		for {
			rec, err := l.recorded(ctx, "known")
			if err == nil {
				if !rec {
					t.Fatal("known id not recorded after the broker returned")
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("lookups still failing after the broker returned: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}

// TestLookupsWithoutDirectGet: a bucket whose stream does not allow direct
// gets is read one key at a time.
func TestLookupsWithoutDirectGet(t *testing.T) {
	_, conn, kv, _ := openLookups(t)
	ctx := context.Background()
	if _, err := kv.Create(ctx, "known", []byte("1")); err != nil {
		t.Fatal(err)
	}
	st, err := conn.JS.Stream(ctx, "KV_"+stream.DedupeBucket)
	if err != nil {
		t.Fatal(err)
	}
	cfg := st.CachedInfo().Config
	cfg.AllowDirect = false
	if _, err := conn.JS.UpdateStream(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	if kv, err = conn.JS.KeyValue(ctx, stream.DedupeBucket); err != nil {
		t.Fatal(err)
	}
	l, err := newLookups(ctx, conn.JS, kv)
	if err != nil {
		t.Fatal(err)
	}
	if l.direct {
		t.Fatal("lookups use direct gets on a stream that refuses them")
	}
	for id, want := range map[string]bool{"known": true, "unknown": false} {
		if rec, err := l.recorded(ctx, id); err != nil || rec != want {
			t.Errorf("%s: recorded = %v, %v; want %v", id, rec, err, want)
		}
	}
	if n := l.requests.Load(); n != 0 {
		t.Errorf("%d multi-gets on a stream without direct gets", n)
	}
}

// TestLookupsWithMoreWorkersThanQueue: workers that find the queue full
// serve it rather than wait, and workers that give up are skipped; every
// other lookup is answered.
func TestLookupsWithMoreWorkersThanQueue(t *testing.T) {
	_, _, kv, l := openLookups(t)
	ctx := context.Background()
	if _, err := kv.Create(ctx, "known", []byte("1")); err != nil {
		t.Fatal(err)
	}
	l.queue = make(chan *lookup, 2)
	gaveUp, cancel := context.WithCancel(ctx)
	cancel()
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			if i%10 == 0 {
				// It returns at once, with an error or, had another worker
				// answered it already, the right answer.
				if rec, err := l.recorded(gaveUp, "known"); err == nil && !rec {
					t.Error("a lookup whose context had ended answered wrong")
				}
				return
			}
			id := "known"
			if i%2 == 1 {
				id = fmt.Sprintf("unknown-%d", i)
			}
			rec, err := l.recorded(ctx, id)
			if err != nil || rec != (id == "known") {
				t.Errorf("%s: recorded = %v, %v", id, rec, err)
			}
		})
	}
	wg.Wait()
}
