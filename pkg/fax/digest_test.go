package fax_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// testKey is a valid pipeline key (32 bytes).
var testKey = []byte("0123456789abcdef0123456789abcdef")

func newDigester(t testing.TB, keyID string, key []byte) *fax.Digester {
	t.Helper()
	d, err := fax.NewDigester(keyID, key)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestNewDigesterKeyLength(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr error
	}{
		{"nil key", nil, fax.ErrWeakPipelineKey},
		{"31 bytes", testKey[:31], fax.ErrWeakPipelineKey},
		{"32 bytes", testKey, nil},
		{"64 bytes", bytes.Repeat(testKey, 2), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := fax.NewDigester("k1", tt.key)
			if got, want := err, tt.wantErr; !errors.Is(got, want) {
				t.Fatalf("NewDigester error = %v, want %v", got, want)
			}
			if got, want := d == nil, tt.wantErr != nil; got != want {
				t.Errorf("NewDigester returned nil Digester = %v, want %v", got, want)
			}
		})
	}
}

func TestDigest(t *testing.T) {
	// RFC 4231 test case 6: a 131-byte key of 0xaa.
	rfc := newDigester(t, "rfc", bytes.Repeat([]byte{0xaa}, 131))
	d := newDigester(t, "k1", testKey)
	other := newDigester(t, "k1", bytes.Repeat([]byte("x"), 32))
	tests := []struct {
		name string
		got  string
		want string
	}{
		{
			name: "known answer",
			got:  rfc.Digest("Test Using Larger Than Block-Size Key - Hash Key First"),
			want: "hmac-sha256:60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
		},
		{"deterministic", d.Digest("s3cr3t"), d.Digest("s3cr3t")},
		{"same key in another Digester", newDigester(t, "other-id", testKey).Digest("s3cr3t"), d.Digest("s3cr3t")},
		{"KeyID", d.KeyID(), "k1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := tt.got, tt.want; got != want {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}

	differ := []struct {
		name string
		a, b string
	}{
		{"by key", d.Digest("s3cr3t"), other.Digest("s3cr3t")},
		{"by value", d.Digest("s3cr3t"), d.Digest("s3cr3T")},
		{"empty from non-empty", d.Digest(""), d.Digest(" ")},
	}
	for _, tt := range differ {
		t.Run("differs "+tt.name, func(t *testing.T) {
			if tt.a == tt.b {
				t.Errorf("both digests are %q, want them to differ", tt.a)
			}
		})
	}
}

func TestDigesterCopiesKey(t *testing.T) {
	key := bytes.Clone(testKey)
	d := newDigester(t, "k1", key)
	before := d.Digest("v")
	key[0] ^= 0xff
	if got, want := d.Digest("v"), before; got != want {
		t.Errorf("Digest after the caller changed its key slice = %q, want %q", got, want)
	}
}

func TestDigesterMatches(t *testing.T) {
	d := newDigester(t, "k1", testKey)
	other := newDigester(t, "k1", bytes.Repeat([]byte("x"), 32))
	digest := d.Digest("s3cr3t")
	tests := []struct {
		name      string
		digest    string
		candidate string
		want      bool
	}{
		{"digest of the candidate", digest, "s3cr3t", true},
		{"other candidate", digest, "s3cr3T", false},
		{"candidate with a trailing newline", digest, "s3cr3t\n", false},
		{"digest under another key", other.Digest("s3cr3t"), "s3cr3t", false},
		{"the candidate itself", "s3cr3t", "s3cr3t", false},
		{"digest in upper case", strings.ToUpper(digest), "s3cr3t", false},
		{"empty digest", "", "", false},
		{"digest of empty", d.Digest(""), "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := d.Matches(tt.digest, tt.candidate), tt.want; got != want {
				t.Errorf("Matches(%q, %q) = %v, want %v", tt.digest, tt.candidate, got, want)
			}
		})
	}
}

func TestIsDigest(t *testing.T) {
	d := newDigester(t, "k1", testKey)
	digest := d.Digest("s3cr3t")
	hexPart := strings.TrimPrefix(digest, fax.DigestPrefix)
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"a digest", digest, true},
		{"digest of empty", d.Digest(""), true},
		{"empty", "", false},
		{"prefix only", fax.DigestPrefix, false},
		{"hex without prefix", hexPart, false},
		{"other algorithm", "hmac-sha512:" + hexPart, false},
		{"one hex digit short", digest[:len(digest)-1], false},
		{"one hex digit long", digest + "0", false},
		{"one hex byte long", digest + "00", false},
		{"non-hex digit", digest[:len(digest)-1] + "g", false},
		{"trailing newline", digest + "\n", false},
		{"leading space", " " + digest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := fax.IsDigest(tt.in), tt.want; got != want {
				t.Errorf("IsDigest(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestDigesterWithPreviousKeys(t *testing.T) {
	oldKey := []byte("an-old-pipeline-key-0123456789abcdef")
	newKey := []byte("a-new-pipeline-key-0123456789abcdef!")
	old, err := fax.NewDigester("k1", oldKey)
	if err != nil {
		t.Fatal(err)
	}
	cur, err := fax.NewDigester("k2", newKey)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := cur.WithPrevious(oldKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		d      *fax.Digester
		digest string
		want   bool
	}{
		{name: "old digest, current key only", d: cur, digest: old.Digest("secret"), want: false},
		{name: "old digest, previous key accepted", d: rotated, digest: old.Digest("secret"), want: true},
		{name: "new digest, rotated", d: rotated, digest: cur.Digest("secret"), want: true},
		{name: "wrong value, rotated", d: rotated, digest: old.Digest("other"), want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.d.Matches(tc.digest, "secret"); got != tc.want {
				t.Errorf("Matches = %v, want %v", got, tc.want)
			}
		})
	}
	if got, want := rotated.Digest("secret"), cur.Digest("secret"); got != want {
		t.Errorf("Digest uses %q, want the current key's %q", got, want)
	}
	if _, err := cur.WithPrevious([]byte("short")); err == nil {
		t.Error("a short previous key was accepted")
	}
}

// TestDigestReusedStatesAgreeWithFresh: digests made from reused HMAC
// states, by many goroutines at once, of values long and short, are the
// HMAC of a freshly keyed state, under the current key and under a
// previous one (Matches).
func TestDigestReusedStatesAgreeWithFresh(t *testing.T) {
	old := bytes.Repeat([]byte("o"), 32)
	d, err := newDigester(t, "k1", testKey).WithPrevious(old)
	if err != nil {
		t.Fatal(err)
	}
	fresh := func(key []byte, v string) string {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(v))
		return fax.DigestPrefix + hex.EncodeToString(m.Sum(nil))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 500 {
				v := strings.Repeat("x", (g*500+i)%200) + strconv.Itoa(i)
				if got, want := d.Digest(v), fresh(testKey, v); got != want {
					t.Errorf("Digest(%q) = %s, want %s", v, got, want)
					return
				}
				if !d.Matches(fresh(old, v), v) {
					t.Errorf("Matches does not accept the previous key's digest of %q", v)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkDigest: a digest from a reused keyed state (Digest) beside one
// from a state keyed anew each time (hmac.New, as before), side by side.
func BenchmarkDigest(b *testing.B) {
	d := newDigester(b, "k1", testKey)
	const secret = "Basic Z29mYXg6ZGVtby1nb2ZheC1wYXNzd29yZA=="
	b.Run("reused", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = d.Digest(secret)
		}
	})
	b.Run("keyed-each-time", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			m := hmac.New(sha256.New, testKey)
			m.Write([]byte(secret))
			_ = fax.DigestPrefix + hex.EncodeToString(m.Sum(nil))
		}
	})
}
