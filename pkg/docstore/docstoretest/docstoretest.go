// Package docstoretest is the conformance test every docstore.Store
// implementation passes.
package docstoretest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/docstore"
)

// Run checks the contract of docstore.Store on a fresh store from newStore.
func Run(t *testing.T, newStore func(t *testing.T) docstore.Store) {
	t.Run("missing", func(t *testing.T) { missing(t, newStore(t)) })
	t.Run("put then stat", func(t *testing.T) { putThenStat(t, newStore(t)) })
	t.Run("failing reader stores nothing", func(t *testing.T) { failing(t, newStore(t)) })
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func missing(t *testing.T, s docstore.Store) {
	if _, err := s.Stat(ctx(t), "sfax/acme/none.pdf"); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("Stat of a missing document: %v, want ErrNotFound", err)
	}
}

func putThenStat(t *testing.T, s docstore.Store) {
	data := bytes.Repeat([]byte("%PDF-1.4 fax "), 40000) // several chunks
	sum := sha256.Sum256(data)
	obj := docstore.Object{Name: "efax/acme/f-1.pdf", ContentType: "application/pdf",
		Attributes: func() map[string]string { return map[string]string{"pages": "3"} }}
	put, err := s.Put(ctx(t), obj, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Stat(ctx(t), obj.Name)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []docstore.Stored{put, got} {
		if st.Name != obj.Name || st.ContentType != obj.ContentType || st.Size != int64(len(data)) ||
			st.SHA256 != hex.EncodeToString(sum[:]) || st.Attributes["pages"] != "3" {
			t.Errorf("stored %+v, want name, type, size %d, sha256 %x and pages 3", st, len(data), sum)
		}
	}
}

var errCut = errors.New("connection cut")

func failing(t *testing.T, s docstore.Store) {
	r := io.MultiReader(strings.NewReader(strings.Repeat("x", 300000)), errReader{})
	if _, err := s.Put(ctx(t), docstore.Object{Name: "sfax/acme/cut.pdf", ContentType: "application/pdf"}, r); !errors.Is(err, errCut) {
		t.Fatalf("Put with a failing reader: %v, want %v", err, errCut)
	}
	if _, err := s.Stat(ctx(t), "sfax/acme/cut.pdf"); !errors.Is(err, docstore.ErrNotFound) {
		t.Fatalf("after a failed Put, Stat: %v, want ErrNotFound", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errCut }
