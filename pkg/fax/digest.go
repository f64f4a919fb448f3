package fax

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
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
	keyID string
	key   []byte
}

// NewDigester returns a Digester for key, known to readers as keyID.
func NewDigester(keyID string, key []byte) (*Digester, error) {
	if len(key) < minPipelineKeyLen {
		return nil, ErrWeakPipelineKey
	}
	return &Digester{keyID: keyID, key: append([]byte(nil), key...)}, nil
}

// KeyID names the key, recorded beside each redaction.
func (d *Digester) KeyID() string { return d.keyID }

// Digest returns "hmac-sha256:" followed by the lower-case hex HMAC of value.
func (d *Digester) Digest(value string) string {
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(value))
	return DigestPrefix + hex.EncodeToString(m.Sum(nil))
}

// Matches reports, in constant time, whether digest is the digest of
// candidate under this key.
func (d *Digester) Matches(digest, candidate string) bool {
	return hmac.Equal([]byte(d.Digest(candidate)), []byte(digest))
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
