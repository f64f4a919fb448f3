package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// reader reads what landed in the cluster, through its published port,
// with the downstream consumers' own package (pkg/consumer).
type reader struct{ js jetstream.JetStream }

// newReader connects to url; the connection closes in t.Cleanup.
func newReader(t *testing.T, url string) reader {
	t.Helper()
	conn, err := stream.Connect(url, config.Default().NATS, "container-suite", zap.NewNop())
	if err != nil {
		t.Fatalf("connect %s: %v", url, err)
	}
	t.Cleanup(func() { conn.Close(time.Second) })
	return reader{js: conn.JS}
}

// events reads every event of FAXPIPE_EVENTS.
func (r reader) events(ctx context.Context) ([]consumer.Message[fax.Event], error) {
	return readAll[fax.Event](ctx, r.js, stream.EventsStream)
}

// documents reads every announcement of FAXPIPE_DOCUMENTS.
func (r reader) documents(ctx context.Context) ([]consumer.Message[fax.Document], error) {
	return readAll[fax.Document](ctx, r.js, stream.DocumentsStream)
}

func readAll[T any](ctx context.Context, js jetstream.JetStream, name string) ([]consumer.Message[T], error) {
	var out []consumer.Message[T]
	err := consumer.History{Stream: name}.Scan(ctx, js, func(m jetstream.Msg) error {
		msg, err := consumer.Decode[T](m)
		out = append(out, msg)
		return err
	})
	return out, err
}

// storedSHA256 is the SHA-256 of the bytes stored for d, read back from the
// object store (which checks them against their digest as they are read).
func (r reader) storedSHA256(ctx context.Context, d fax.Document) (string, error) {
	rc, err := consumer.OpenDocument(ctx, r.js, d)
	if err != nil {
		return "", err
	}
	defer func() { _ = rc.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// waitFor polls read until done accepts what it read, or ctx ends.
func waitFor[T any](ctx context.Context, t *testing.T, what string, read func(context.Context) (T, error), done func(T) bool) T {
	t.Helper()
	for {
		v, err := read(ctx)
		if err == nil && done(v) {
			return v
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last read error: %v)", what, ctx.Err(), err)
		case <-time.After(500 * time.Millisecond):
		}
	}
}
