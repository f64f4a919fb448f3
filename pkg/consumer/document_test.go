package consumer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// TestOpenDocument: the document of a stored announcement (as the
// downloader publishes it) opens with the bytes stored; a failed one has
// none; an object that is not the announced one is refused.
func TestOpenDocument(t *testing.T) {
	js := broker(t)
	store, err := docstore.OpenJetStream(t.Context(), js, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	pdf := []byte("%PDF-1.4 a fax\n%%EOF\n")
	st, err := store.Put(t.Context(), docstore.Object{Name: "efax/demo/f1.pdf", ContentType: "application/pdf"}, bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	ev1, ev2, ev3 := event(fax.EFax, "demo", "fax.inbound.received", "f1"), event(fax.EFax, "demo", "fax.inbound.received", "f2"),
		event(fax.EFax, "demo", "fax.inbound.received", "f3")
	publishDocument(t, js, stored(ev1, st.Name, st.Size, st.SHA256))
	publishDocument(t, js, failed(ev2))
	publishDocument(t, js, stored(ev3, st.Name, st.Size, strings.Repeat("0", 64)))

	docs := drain(t, js, consumer.Documents(js, consumer.Config{Durable: "docs"}), fax.DocumentsStream, "docs")
	cases := []struct {
		name    string
		want    []byte
		wantErr error
	}{
		{"stored", pdf, nil},
		{"failed", nil, consumer.ErrNoDocument},
		{"another object under the name", nil, consumer.ErrDocumentChanged},
	}
	if len(docs) != len(cases) {
		t.Fatalf("%d announcements, want %d", len(docs), len(cases))
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := readDocument(t.Context(), js, docs[i].Data)
			if !errors.Is(err, c.wantErr) || !bytes.Equal(got, c.want) {
				t.Errorf("got %q, %v; want %q, %v", got, err, c.want, c.wantErr)
			}
		})
	}
}

func readDocument(ctx context.Context, js jetstream.JetStream, d fax.DocumentAnnouncement) ([]byte, error) {
	r, err := consumer.OpenDocument(ctx, js, d)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.Close() }()
	return io.ReadAll(r)
}
