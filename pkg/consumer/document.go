package consumer

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// ErrNoDocument means an announcement stores no document (it is failed).
var ErrNoDocument = errors.New("the announcement stores no document")

// ErrDocumentChanged means the object stored under the announced name is
// not the one announced (its SHA-256 differs).
var ErrDocumentChanged = errors.New("stored document differs from the announced one")

// OpenDocument opens the document d announces in the object store. The
// caller reads and closes it; the object store checks the bytes against
// their digest as they are read, and a read that ends early or differs
// fails. It returns ErrNoDocument for a failed announcement and
// ErrDocumentChanged when the stored object is not the announced one.
func OpenDocument(ctx context.Context, js jetstream.JetStream, d fax.DocumentAnnouncement) (io.ReadCloser, error) {
	if d.Outcome != fax.DocumentStored || d.Object == "" {
		return nil, fmt.Errorf("%s/%s fax %s: %w", d.Provider, d.Account, d.FaxID, ErrNoDocument)
	}
	bucket := d.Bucket
	if bucket == "" {
		bucket = fax.DocumentBucket
	}
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
