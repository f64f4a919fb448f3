// Package docstore keeps fax documents. Store is what the downloader needs
// of any object store; JetStream implements it on the JetStream object
// store bucket faxpipe-documents. Another backend (S3-compatible, say) is
// one more implementation passing the same conformance test
// (docstoretest.Run).
package docstore

import (
	"context"
	"errors"
	"io"
)

// ErrNotFound means no complete document is stored under the name.
var ErrNotFound = errors.New("document not found")

// Object describes a document to store.
type Object struct {
	Name        string // e.g. efax/acme/7e029808.pdf
	ContentType string
	// Attributes, if set, is called once the document has been read to its
	// end and before it is committed; what it returns is stored with the
	// document (e.g. a page count only known at the end).
	Attributes func() map[string]string
}

// Stored is a document as stored.
type Stored struct {
	Bucket      string
	Name        string
	ContentType string
	Size        int64
	SHA256      string // hex
	Attributes  map[string]string
}

// Store keeps documents by name. Implementations are safe for concurrent
// use.
type Store interface {
	// Stat describes the document stored under name, or returns an error
	// wrapping ErrNotFound.
	Stat(ctx context.Context, name string) (Stored, error)
	// Put reads r to its end and stores it as obj, replacing any document
	// of that name. It is all or nothing: when r fails (its error is
	// returned, wrapped) or ctx ends, nothing is stored and Stat still
	// answers as before. It does not hold the document in memory.
	Put(ctx context.Context, obj Object, r io.Reader) (Stored, error)
}
