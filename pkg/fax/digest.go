package fax

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"hash"
	"strings"
	"sync"
)

// DigestPrefix starts every digest that replaces a secret in an envelope.
const DigestPrefix = "hmac-sha256:"

// minPipelineKeyLen is the shortest pipeline key accepted (256 bits).
const minPipelineKeyLen = 32

// ErrWeakPipelineKey means the pipeline key is too short to key HMAC-SHA256.
var ErrWeakPipelineKey = errors.New("pipeline key must be at least 32 bytes")

// Digester replaces secrets by a keyed digest, HMAC-SHA256 under the
// pipeline key, so that raw envelopes hold no secret in clear while the
// processor, which knows the configured credentials and the key, can still
// check them. It is safe for concurrent use.
type Digester struct {
	keyID    string
	current  *keyedMAC
	previous []*keyedMAC // retired keys, still accepted by Matches
}

// NewDigester returns a Digester for key, known to readers as keyID.
func NewDigester(keyID string, key []byte) (*Digester, error) {
	if len(key) < minPipelineKeyLen {
		return nil, ErrWeakPipelineKey
	}
	return &Digester{keyID: keyID, current: newKeyedMAC(key)}, nil
}

// WithPrevious returns a copy of d that also accepts, in Matches, digests
// made under the given retired keys, so raw envelopes captured before a key
// rotation still verify when replayed. Digest always uses the current key.
func (d *Digester) WithPrevious(keys ...[]byte) (*Digester, error) {
	out := &Digester{keyID: d.keyID, current: d.current}
	for _, k := range keys {
		if len(k) < minPipelineKeyLen {
			return nil, ErrWeakPipelineKey
		}
		out.previous = append(out.previous, newKeyedMAC(k))
	}
	return out, nil
}

// KeyID names the key, recorded beside each redaction.
func (d *Digester) KeyID() string { return d.keyID }

// Digest returns "hmac-sha256:" followed by the lower-case hex HMAC of value.
func (d *Digester) Digest(value string) string { return d.current.digest(value) }

// keyedMAC is one pipeline key (a copy of it) and the digests it makes.
// It keeps HMAC-SHA256 states keyed with it for reuse: keying a new one
// (hmac.New) hashes the key's two pads and allocates, which cost as much
// as digesting a short secret, and the ingress and the processor digest
// several a callback; Reset brings a used state back to the freshly keyed
// one.
type keyedMAC struct {
	key    []byte
	states sync.Pool
}

func newKeyedMAC(key []byte) *keyedMAC {
	k := &keyedMAC{key: append([]byte(nil), key...)}
	k.states.New = func() any { return hmac.New(sha256.New, k.key) }
	return k
}

// digest is DigestPrefix followed by the lower-case hex HMAC of value.
func (k *keyedMAC) digest(value string) string {
	m := k.states.Get().(hash.Hash) //nolint:forcetypeassert // the pool holds only hmac states
	m.Reset()
	_, _ = m.Write([]byte(value))
	var sum [sha256.Size]byte
	out := make([]byte, len(DigestPrefix)+hex.EncodedLen(sha256.Size))
	hex.Encode(out[copy(out, DigestPrefix):], m.Sum(sum[:0]))
	k.states.Put(m)
	return string(out)
}

// Matches reports whether digest is the digest of candidate under the
// current key or a previous one. Each comparison is constant-time, and every
// key is tried whatever the outcome.
func (d *Digester) Matches(digest, candidate string) bool {
	ok := hmac.Equal([]byte(d.Digest(candidate)), []byte(digest))
	for _, k := range d.previous {
		ok = hmac.Equal([]byte(k.digest(candidate)), []byte(digest)) || ok
	}
	return ok
}

// IsDigest reports whether s has the shape of a digest made by Digest.
func IsDigest(s string) bool {
	hexPart, ok := strings.CutPrefix(s, DigestPrefix)
	if !ok || len(hexPart) != 2*sha256.Size {
		return false
	}
	// Digest writes lower-case hex only; anything else was not made by it.
	return strings.Trim(hexPart, "0123456789abcdef") == ""
}
