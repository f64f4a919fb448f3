package docstore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/docstore/docstoretest"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestJetStream runs the conformance test on the JetStream object store.
func TestJetStream(t *testing.T) {
	docstoretest.Run(t, func(t *testing.T) docstore.Store {
		ns := streamtest.Start(t)
		conn := streamtest.Connect(t, ns, config.Default().Streams)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s, err := docstore.OpenJetStream(ctx, conn.JS, fax.DocumentBucket)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// TestCorruptObjectIsNotFound: an object whose chunks no longer match its
// digest (what nats.go's retried chunk publishes leave) is not reported
// stored: Stat deletes it and says not found, so it is fetched again.
func TestCorruptObjectIsNotFound(t *testing.T) {
	ns := streamtest.Start(t)
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := docstore.OpenJetStream(ctx, conn.JS, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	const name = "efax/demo/corrupt.pdf"
	doc := bytes.Repeat([]byte("%PDF-1.4 page "), 20000) // several chunks
	if _, err := s.Put(ctx, docstore.Object{Name: name, ContentType: "application/pdf"}, bytes.NewReader(doc)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Stat(ctx, name); err != nil {
		t.Fatalf("intact object: %v", err)
	}
	corruptChunks(ctx, t, conn.JS, name)
	if _, err := s.Stat(ctx, name); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("corrupt object: Stat = %v, want ErrNotFound", err)
	}
	obs, err := conn.JS.ObjectStore(ctx, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := obs.GetInfo(ctx, name); !errors.Is(err, jetstream.ErrObjectNotFound) {
		t.Errorf("corrupt object still there: %v", err)
	}
}

// corruptChunks replaces the chunks of object name with as many chunks
// that all carry the last chunk's bytes, as the nats.go bug does.
func corruptChunks(ctx context.Context, t *testing.T, js jetstream.JetStream, name string) {
	t.Helper()
	obs, err := js.ObjectStore(ctx, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	info, err := obs.GetInfo(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	subject := "$O." + fax.DocumentBucket + ".C." + info.NUID
	str, err := js.Stream(ctx, "OBJ_"+fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	last, err := str.GetLastMsgForSubject(ctx, subject)
	if err != nil {
		t.Fatal(err)
	}
	if err := str.Purge(ctx, jetstream.WithPurgeSubject(subject)); err != nil {
		t.Fatal(err)
	}
	for range info.Chunks {
		if _, err := js.Publish(ctx, subject, last.Data); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFullBucketIsFull: a document that does not fit in a full bucket
// fails with an error stream.IsFull recognizes, so the downloader waits for room
// instead of giving the document up; other errors are not "full".
func TestFullBucketIsFull(t *testing.T) {
	ns := streamtest.Start(t)
	conn := streamtest.Connect(t, ns, config.Default().Streams)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs, err := conn.JS.CreateObjectStore(ctx, jetstream.ObjectStoreConfig{Bucket: "small", MaxBytes: 64 << 10, Storage: jetstream.FileStorage})
	if err != nil {
		t.Fatal(err)
	}
	s := docstore.NewJetStream(obs)
	_, err = s.Put(ctx, docstore.Object{Name: "big.pdf", ContentType: "application/pdf"}, bytes.NewReader(make([]byte, 256<<10)))
	if err == nil {
		t.Fatal("a 256 KiB document was stored in a 64 KiB bucket")
	}
	if !stream.IsFull(err) {
		t.Fatalf("Put into a full bucket: %v, want an error IsFull recognizes", err)
	}
	if stream.IsFull(errors.New("maximum bytes exceeded")) || stream.IsFull(docstore.ErrNotFound) {
		t.Error("IsFull recognizes errors that are not the bucket's answer")
	}
}
