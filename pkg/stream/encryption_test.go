package stream_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// secretPayload is what the test stores and then looks for in the files.
var secretPayload = []byte("from +12125550143 to +61295550199: CONFIDENTIAL-FAX-BODY")

// TestEmbeddedEncryption follows one data directory through a life of
// keys: written in clear, then encrypted when a key is configured (the
// message survives, no file holds it in clear), refused without the key or
// with another one (an error naming the key, nothing recreated), rotated
// to a new key with the old one as previous_key, and then readable with
// the new key alone, under either cipher.
func TestEmbeddedEncryption(t *testing.T) {
	dir := t.TempDir()
	const k1, k2 = "first-key-0123456789abcdef-0123456789", "second-key-0123456789abcdef-0123456789"
	steps := []struct {
		name, cipher, key, previous string
		wantRefused                 bool
		wantClear                   bool // the payload is in some file in clear afterwards
	}{
		{name: "no key: written in clear", cipher: "chacha", wantClear: true},
		{name: "a key: the clear store is encrypted", cipher: "chacha", key: k1},
		{name: "no key for an encrypted store: refused", cipher: "chacha", wantRefused: true},
		{name: "another key: refused", cipher: "chacha", key: k2, wantRefused: true},
		{name: "rotation: new key, old one previous", cipher: "chacha", key: k2, previous: k1},
		{name: "after rotation the new key alone", cipher: "chacha", key: k2},
		{name: "another cipher, same key", cipher: "aes", key: k2},
	}
	for i, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			cfg := embeddedConfig(t, dir, st.cipher, st.key, st.previous)
			emb, err := stream.StartEmbedded(cfg)
			if st.wantRefused {
				var fe *config.FieldError
				if !errors.As(err, &fe) || fe.Field != "nats.embedded.encryption.key" {
					t.Fatalf("StartEmbedded: %v, want an error at nats.embedded.encryption.key", err)
				}
				t.Logf("refused: %v", err)
				return
			}
			if err != nil {
				t.Fatalf("StartEmbedded: %v", err)
			}
			if i == 0 {
				publish(t, emb.URL())
			}
			if got := lastPayload(t, emb.URL()); !bytes.Equal(got, secretPayload) {
				t.Errorf("stored message %q, want %q", got, secretPayload)
			}
			emb.Shutdown()
			if got := filesHolding(t, dir, secretPayload[:12]); (len(got) > 0) != st.wantClear {
				t.Errorf("files holding the payload in clear: %v, want some: %v", got, st.wantClear)
			}
		})
	}
}

func embeddedConfig(t *testing.T, dir, cipher, key, previous string) config.Embedded {
	t.Helper()
	cfg := config.Default().NATS.Embedded
	cfg.Port, cfg.DataDir = -1, dir
	cfg.Encryption = config.Encryption{Cipher: cipher}
	if key != "" {
		cfg.Encryption.Key = config.Literal(key)
	}
	if previous != "" {
		cfg.Encryption.PreviousKey = config.Literal(previous)
	}
	return cfg
}

func jsOf(t *testing.T, url string) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url)
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

func publish(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	js := jsOf(t, url)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "SECRETS", Subjects: []string{"secrets.>"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "secrets.fax", secretPayload); err != nil {
		t.Fatal(err)
	}
}

func lastPayload(t *testing.T, url string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := jsOf(t, url).Stream(ctx, "SECRETS")
	if err != nil {
		t.Fatal(err)
	}
	m, err := s.GetLastMsgForSubject(ctx, "secrets.fax")
	if err != nil {
		t.Fatal(err)
	}
	return m.Data
}

// filesHolding are the files under dir whose bytes contain needle.
func filesHolding(t *testing.T, dir string, needle []byte) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(b, needle) {
			out = append(out, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
