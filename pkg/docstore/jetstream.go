package docstore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"

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

// Stat implements Store.
func (s *JetStream) Stat(ctx context.Context, name string) (Stored, error) {
	info, err := s.obs.GetInfo(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return Stored{}, fmt.Errorf("%s: %w", name, ErrNotFound)
	}
	if err != nil {
		return Stored{}, fmt.Errorf("stat %s: %w", name, err)
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
	info, err := s.obs.Put(ctx, meta, r)
	if err != nil {
		return Stored{}, fmt.Errorf("put %s: %w", obj.Name, err)
	}
	return stored(info)
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
