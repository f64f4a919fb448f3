package consumer_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/audit/audittest"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

var pdf = []byte("%PDF-1.4 a fax\n%%EOF\n")

// storeDocument stores pdf as the downloader does and returns its
// announcement.
func storeDocument(t *testing.T, js jetstream.JetStream) fax.DocumentAnnouncement {
	t.Helper()
	store, err := docstore.OpenJetStream(t.Context(), js, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Put(t.Context(), docstore.Object{Name: "efax/demo/f1.pdf", ContentType: "application/pdf"}, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	return stored(event(fax.EFax, "demo", "fax.inbound.received", "f1"), st.Name, st.Size, st.SHA256)
}

// TestDocumentReadIsAudited: each document opened through the package
// appends exactly one audit record naming the reader and the document,
// before any byte is read; a failed announcement records nothing.
func TestDocumentReadIsAudited(t *testing.T) {
	cases := []struct {
		name      string
		open      func(ctx context.Context, js jetstream.JetStream, d fax.DocumentAnnouncement) (readDoc, error)
		actor     string
		purpose   string
		wantReads int
	}{
		{"a named reader", func(ctx context.Context, js jetstream.JetStream, d fax.DocumentAnnouncement) (readDoc, error) {
			return consumer.DocumentReader{JS: js, Actor: "ehr-router", Program: "router", Purpose: "ticket 7"}.Open(ctx, d)
		}, "ehr-router", "ticket 7", 1},
		{"OpenDocument: the connection's name", func(ctx context.Context, js jetstream.JetStream, d fax.DocumentAnnouncement) (readDoc, error) {
			return consumer.OpenDocument(ctx, js, d)
		}, "faxpipe-test", "", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			js := broker(t)
			d := storeDocument(t, js)
			got, err := readAll(c.open(t.Context(), js, d))
			if err != nil || !bytes.Equal(got, pdf) {
				t.Fatalf("read %q, %v; want the document", got, err)
			}
			if _, err := c.open(t.Context(), js, failed(event(fax.EFax, "demo", "fax.inbound.received", "f2"))); !errors.Is(err, consumer.ErrNoDocument) {
				t.Fatalf("failed announcement: %v", err)
			}
			recs := audittest.Records(t, js)
			if len(recs) != c.wantReads {
				t.Fatalf("%d audit records, want %d: %+v", len(recs), c.wantReads, recs)
			}
			r := recs[0]
			want := audit.Object{Provider: fax.EFax, Account: "demo", FaxID: "f1", EventID: d.EventID,
				Bucket: fax.DocumentBucket, Document: "efax/demo/f1.pdf", SHA256: d.SHA256}
			if r.Subject != "faxpipe.audit.document.read" || r.Action != audit.DocumentRead || r.Actor != c.actor ||
				r.Purpose != c.purpose || r.Program == "" || !sameObject(r.Object, want) {
				t.Errorf("record %+v on %s\nwant actor %q purpose %q object %+v", r.Record, r.Subject, c.actor, c.purpose, want)
			}
		})
	}
}

func sameObject(a, b audit.Object) bool {
	return a.Provider == b.Provider && a.Account == b.Account && a.FaxID == b.FaxID && a.EventID == b.EventID &&
		a.Bucket == b.Bucket && a.Document == b.Document && a.SHA256 == b.SHA256 && a.Stream == b.Stream && a.Seq == b.Seq
}

// TestDocumentReadFailsClosed: when the audit record cannot be stored — no
// audit stream, a NATS user that may not publish it, a reader without a
// name — the document is not opened and no byte is returned.
func TestDocumentReadFailsClosed(t *testing.T) {
	cases := []struct {
		name    string
		setup   func(t *testing.T) jetstream.JetStream
		wantErr error
	}{
		{"no audit stream", func(t *testing.T) jetstream.JetStream {
			js := broker(t)
			if err := js.DeleteStream(t.Context(), fax.AuditStream); err != nil {
				t.Fatal(err)
			}
			return js
		}, audit.ErrNotRecorded},
		{"publishing audit records denied", deniedAudit, audit.ErrNotRecorded},
		{"a reader without a name", func(t *testing.T) jetstream.JetStream {
			return connect(t, brokerURL(t), nil)
		}, consumer.ErrNoActor},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			js := c.setup(t)
			d := storeDocument(t, js)
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			defer cancel()
			r, err := consumer.OpenDocument(ctx, js, d)
			if !errors.Is(err, c.wantErr) || r != nil {
				t.Errorf("OpenDocument = %v, %v; want no reader and %v", r, err, c.wantErr)
			}
		})
	}
}

type readDoc = interface {
	Read([]byte) (int, error)
	Close() error
}

func readAll(r readDoc, err error) ([]byte, error) {
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	var b bytes.Buffer
	_, err = b.ReadFrom(r)
	return b.Bytes(), err
}

// brokerURL starts a server with faxpipe's topology and returns its URL.
func brokerURL(t *testing.T) string {
	t.Helper()
	url := startServer(t, nil)
	ensure(t, connect(t, url, []nats.Option{nats.Name("setup")}))
	return url
}

// deniedAudit is a connection, named, whose user may do anything but
// publish audit records.
func deniedAudit(t *testing.T) jetstream.JetStream {
	t.Helper()
	users := []*server.User{{Username: "reader", Password: "pw", Permissions: &server.Permissions{
		Publish: &server.SubjectPermission{Allow: []string{">"}, Deny: []string{"faxpipe.audit.>"}},
	}}}
	js := connect(t, startServer(t, users), []nats.Option{nats.Name("reader"), nats.UserInfo("reader", "pw")})
	ensure(t, js)
	return js
}

func startServer(t *testing.T, users []*server.User) string {
	t.Helper()
	srv, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, JetStream: true, StoreDir: t.TempDir(), Users: users, NoSigs: true})
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv.ClientURL()
}

func connect(t *testing.T, url string, opts []nats.Option) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

func ensure(t *testing.T, js jetstream.JetStream) {
	t.Helper()
	if err := stream.NewTopology(config.Default().Streams).Ensure(t.Context(), js); err != nil {
		t.Fatal(err)
	}
}
