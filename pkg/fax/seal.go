package fax

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"slices"
	"strconv"
	"time"
)

// sealContext names the seal's key, derived from the pipeline key as
// SHA-256(sealContext || 0x00 || pipeline key). A digest is an HMAC under
// the pipeline key of a value a stranger may choose (any Authorization
// header the ingress receives is digested), so the seal's key must not be
// one: SHA-256 over the key is something no digest reproduces.
const sealContext = "faxpipe/api-envelope-seal/v1"

// Seal returns the seal of an API envelope: "hmac-sha256:" and the hex
// HMAC-SHA256, under a key derived from the pipeline key, of every member
// of e but Seal itself (each length-prefixed, lists counted, headers
// sorted). Only a
// holder of the pipeline key — the reconciler — can make one; the
// processor checks it with CheckSeal instead of a webhook signature.
func (d *Digester) Seal(e *Envelope) string { return sealUnder(d.current.key, e) }

// CheckSeal verifies that e, which says it came from the provider's API,
// carries the seal of the current pipeline key or a previous one
// (constant time, every key tried); signature_invalid otherwise.
func (d *Digester) CheckSeal(e *Envelope) error {
	ok := hmac.Equal([]byte(sealUnder(d.current.key, e)), []byte(e.Seal))
	for _, k := range d.previous {
		ok = hmac.Equal([]byte(sealUnder(k.key, e)), []byte(e.Seal)) || ok
	}
	if !ok {
		return fmt.Errorf("envelope says it came from the provider's API but its seal is not the pipeline key's: %w", ReasonSignatureInvalid)
	}
	return nil
}

func sealUnder(pipelineKey []byte, e *Envelope) string {
	k := sha256.New()
	k.Write([]byte(sealContext))
	k.Write([]byte{0})
	k.Write(pipelineKey)
	return sealWithKey(k.Sum(nil), e)
}

// sealWithKey is the seal of e under the seal's own key.
func sealWithKey(key []byte, e *Envelope) string {
	m := hmac.New(sha256.New, key)
	field := func(s string) { writeField(m, s) }
	field(e.Schema)
	field(e.ID)
	field(e.ReceivedAt.UTC().Format(time.RFC3339Nano))
	field(string(e.Provider))
	field(e.Account)
	field(e.Method)
	field(e.Path)
	field(e.Query)
	names := make([]string, 0, len(e.Headers))
	for name := range e.Headers {
		names = append(names, name)
	}
	slices.Sort(names)
	field(strconv.Itoa(len(names)))
	for _, name := range names {
		field(name)
		field(strconv.Itoa(len(e.Headers[name])))
		for _, v := range e.Headers[name] {
			field(v)
		}
	}
	field(e.RemoteAddr)
	field(string(e.Body))
	field(strconv.Itoa(len(e.Redacted)))
	for _, r := range e.Redacted {
		field(r.In)
		field(r.Name)
		field(r.KeyID)
	}
	field(string(e.Origin))
	return DigestPrefix + hex.EncodeToString(m.Sum(nil))
}

// writeField writes s with its length first, so that no two envelopes
// give the same input.
func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}
