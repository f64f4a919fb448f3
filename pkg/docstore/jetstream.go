package docstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// JetStream is a Store on a JetStream object store bucket.
type JetStream struct {
	obs jetstream.ObjectStore
}

// NewJetStream returns the Store of an opened bucket.
func NewJetStream(obs jetstream.ObjectStore) *JetStream { return &JetStream{obs: obs} }

// OpenJetStream opens the existing bucket (see stream.Topology).
func OpenJetStream(ctx context.Context, js jetstream.JetStream, bucket string) (*JetStream, error) {
	obs, err := js.ObjectStore(ctx, bucket)
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", bucket, err)
	}
	return NewJetStream(obs), nil
}

// Stat implements Store. An object whose bytes do not read back as its
// digest says (see Put) is deleted and reported not found, so that it is
// fetched and stored again.
func (s *JetStream) Stat(ctx context.Context, name string) (Stored, error) {
	info, err := s.obs.GetInfo(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return Stored{}, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Stored{}, fmt.Errorf("stat %s: %w", name, err)
	}
	if err := s.readBack(ctx, info); errors.Is(err, jetstream.ErrDigestMismatch) {
		s.discard(ctx, name)
		return Stored{}, fmt.Errorf("%s: stored bytes corrupt, discarded: %w", name, ErrNotFound)
	} else if err != nil {
		return Stored{}, fmt.Errorf("stat %s: read back: %w", name, err)
	}
	return stored(info)
}

// Put implements Store. The object store writes the document in chunks as
// r is read and commits it with one last meta message, so a crash or error
// midway leaves no object (the client purges the partial chunks).
func (s *JetStream) Put(ctx context.Context, obj Object, r io.Reader) (Stored, error) {
	meta := jetstream.ObjectMeta{
		Name:     obj.Name,
		Headers:  nats.Header{"Content-Type": {obj.ContentType}},
		Metadata: map[string]string{},
	}
	// The client keeps meta.Metadata by reference and encodes it only after
	// r's end, so attributes known at the end are committed with the object
	// (docstoretest's "put then stat" case guards this).
	if obj.Attributes != nil {
		r = &onEOF{r: r, fn: func() { maps.Copy(meta.Metadata, obj.Attributes()) }}
	}
	info, err := s.obs.Put(ctx, meta, fullReads{r})
	if err != nil {
		return Stored{}, fmt.Errorf("put %s: %w", obj.Name, err)
	}
	// nats.go's Put reuses one message and buffer for every chunk, and its
	// asynchronous publish re-sends a message that met "no responders" (a
	// leader election) later — by then holding another chunk's bytes — yet
	// reports success with the digest of the right bytes. Only reading the
	// object back tells; a corrupt one is deleted and the error is transient.
	if err := s.readBack(ctx, info); err != nil {
		if errors.Is(err, jetstream.ErrDigestMismatch) {
			s.discard(ctx, obj.Name)
		}
		return Stored{}, fmt.Errorf("put %s: read back: %w", obj.Name, err)
	}
	return stored(info)
}

// readBack reads the object of info whole; the client checks its bytes
// against the digest at the end (jetstream.ErrDigestMismatch).
func (s *JetStream) readBack(ctx context.Context, info *jetstream.ObjectInfo) error {
	// The object's reader does not watch ctx: a chunk lost in a failover
	// would block it for good. Closing it on ctx's end unblocks it.
	ctx, cancel := context.WithTimeout(ctx, readBackTimeout)
	defer cancel()
	o, err := s.obs.Get(ctx, info.Name)
	if err != nil {
		return err
	}
	defer func() { _ = o.Close() }()
	stop := context.AfterFunc(ctx, func() { _ = o.Close() })
	defer stop()
	if got, err := o.Info(); err != nil {
		return err
	} else if got.NUID != info.NUID {
		return fmt.Errorf("object replaced meanwhile (%s, put %s)", got.NUID, info.NUID)
	}
	if _, err = io.Copy(io.Discard, o); err != nil && ctx.Err() != nil {
		return fmt.Errorf("%w: %w", err, ctx.Err())
	}
	return err
}

// readBackTimeout bounds reading a document back (documents are at most a
// few tens of MiB, read on the broker's network).
const readBackTimeout = 30 * time.Second

// discard deletes a corrupt object, best effort: Stat finds it corrupt
// again otherwise.
func (s *JetStream) discard(ctx context.Context, name string) {
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = s.obs.Delete(dctx, name)
}

// fullReads fills every read it can, so that the object store's chunks
// (one per read) are whole rather than one per network read of the body.
type fullReads struct{ r io.Reader }

func (f fullReads) Read(p []byte) (int, error) {
	n, err := io.ReadFull(f.r, p)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		err = io.EOF
	}
	return n, err
}

func stored(info *jetstream.ObjectInfo) (Stored, error) {
	sum, err := jetstream.DecodeObjectDigest(info.Digest)
	if err != nil {
		return Stored{}, fmt.Errorf("object %s digest %q: %w", info.Name, info.Digest, err)
	}
	return Stored{
		Bucket:      info.Bucket,
		Name:        info.Name,
		ContentType: info.Headers.Get("Content-Type"),
		Size:        int64(min(info.Size, math.MaxInt64)),
		SHA256:      hex.EncodeToString(sum),
		Attributes:  info.Metadata,
	}, nil
}

// onEOF calls fn once, when r reports its end.
type onEOF struct {
	r    io.Reader
	fn   func()
	done bool
}

func (o *onEOF) Read(p []byte) (int, error) {
	n, err := o.r.Read(p)
	if errors.Is(err, io.EOF) && !o.done {
		o.done = true
		o.fn()
	}
	return n, err
}
