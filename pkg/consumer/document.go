package consumer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/audit"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// ErrNoDocument means an announcement stores no document (it is failed).
var ErrNoDocument = errors.New("the announcement stores no document")

// ErrDocumentChanged means the object stored under the announced name is
// not the one announced (its SHA-256 differs).
var ErrDocumentChanged = errors.New("stored document differs from the announced one")

// ErrNoActor means a document reader did not say who it is: set
// DocumentReader.Actor, or name the NATS connection (nats.Name).
var ErrNoActor = errors.New("document reader names no actor for the audit trail: set DocumentReader.Actor or name the NATS connection (nats.Name)")

// DocumentReader opens stored documents on behalf of one actor, recording
// every opening in the access audit trail (FAXPIPE_AUDIT) first: a document
// whose audit record could not be stored is not opened (the error wraps
// audit.ErrNotRecorded). The NATS user needs to publish on faxpipe.audit.>.
type DocumentReader struct {
	JS jetstream.JetStream
	// Actor is who reads, as the audit trail names it: a service's or a
	// person's name. Empty: the NATS connection's name (nats.Name); with
	// neither, Open fails with ErrNoActor.
	Actor string
	// Program is recorded with each read; empty: this executable's name.
	Program string
	// Purpose, if set, is recorded with each read: why it reads.
	Purpose string
}

// OpenDocument is DocumentReader{JS: js}.Open: the reader is named after
// the NATS connection (nats.Name), and every opening is audited.
func OpenDocument(ctx context.Context, js jetstream.JetStream, d fax.DocumentAnnouncement) (io.ReadCloser, error) {
	return DocumentReader{JS: js}.Open(ctx, d)
}

// Open opens the document d announces in the object store, after its
// audit record is stored. The caller reads and closes it; the object store
// checks the bytes against their digest as they are read, and a read that
// ends early or differs fails. It returns ErrNoDocument for a failed
// announcement (nothing to read, nothing recorded), ErrNoActor for a reader
// without a name, an error wrapping audit.ErrNotRecorded when the record
// could not be stored, and ErrDocumentChanged when the stored object is not
// the announced one.
func (r DocumentReader) Open(ctx context.Context, d fax.DocumentAnnouncement) (io.ReadCloser, error) {
	if d.Outcome != fax.DocumentStored || d.Object == "" {
		return nil, fmt.Errorf("%s/%s fax %s: %w", d.Provider, d.Account, d.FaxID, ErrNoDocument)
	}
	bucket := d.Bucket
	if bucket == "" {
		bucket = fax.DocumentBucket
	}
	if err := r.record(ctx, d, bucket); err != nil {
		return nil, fmt.Errorf("document %s: %w", d.Object, err)
	}
	return openObject(ctx, r.JS, bucket, d)
}

// record appends the audit record of reading d.
func (r DocumentReader) record(ctx context.Context, d fax.DocumentAnnouncement, bucket string) error {
	actor := audit.Actor{Name: r.Actor, Program: r.Program}
	if actor.Name == "" && r.JS != nil && r.JS.Conn() != nil {
		actor.Name = r.JS.Conn().Opts.Name
	}
	if actor.Name == "" {
		return ErrNoActor
	}
	if actor.Program == "" {
		actor.Program = filepath.Base(os.Args[0])
	}
	actor.Host, _ = os.Hostname()
	log, err := audit.New(r.JS, actor)
	if err != nil {
		return err
	}
	return log.Record(ctx, audit.Entry{Action: audit.DocumentRead, Purpose: r.Purpose, Object: audit.Object{
		Provider: d.Provider, Account: d.Account, FaxID: d.FaxID, EventID: d.EventID,
		Bucket: bucket, Document: d.Object, SHA256: d.SHA256,
	}})
}

// openObject opens d's object in bucket, checked against the announced
// digest.
func openObject(ctx context.Context, js jetstream.JetStream, bucket string, d fax.DocumentAnnouncement) (io.ReadCloser, error) {
	obs, err := js.ObjectStore(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", bucket, err)
	}
	obj, err := obs.Get(ctx, d.Object)
	if err != nil {
		return nil, fmt.Errorf("document %s: %w", d.Object, err)
	}
	info, err := obj.Info()
	if err == nil {
		err = sameDigest(info, d.SHA256)
	}
	if err != nil {
		_ = obj.Close()
		return nil, fmt.Errorf("document %s: %w", d.Object, err)
	}
	return obj, nil
}

// sameDigest reports ErrDocumentChanged unless info's digest is the hex
// SHA-256 want (when one was announced).
func sameDigest(info *jetstream.ObjectInfo, want string) error {
	if want == "" {
		return nil
	}
	sum, err := jetstream.DecodeObjectDigest(info.Digest)
	if err != nil {
		return fmt.Errorf("digest %q: %w", info.Digest, err)
	}
	if got := hex.EncodeToString(sum); got != want {
		return fmt.Errorf("%w: sha256 %s, announced %s", ErrDocumentChanged, got, want)
	}
	return nil
}
