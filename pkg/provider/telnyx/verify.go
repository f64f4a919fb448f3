package telnyx

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// The headers of a signed webhook [doc]: the base64 Ed25519 signature and
// the Unix time, in seconds, it was signed at.
const (
	SignatureHeader = "Telnyx-Signature-Ed25519"
	TimestampHeader = "Telnyx-Timestamp"
)

// SignedMessage is what Telnyx signs: the timestamp header's value, a
// '|' and the raw body, byte for byte [doc][lib].
func SignedMessage(timestamp string, body []byte) []byte {
	msg := make([]byte, 0, len(timestamp)+1+len(body))
	msg = append(msg, timestamp...)
	msg = append(msg, '|')
	return append(msg, body...)
}

// Sign returns the telnyx-signature-ed25519 of body sent at timestamp
// (its header value) under key: standard base64 [doc]. For the simulator
// and tests; faxpipe only verifies.
func Sign(key ed25519.PrivateKey, timestamp string, body []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(key, SignedMessage(timestamp, body)))
}

// ParsePublicKey reads a Telnyx public key: base64 of the 32 raw bytes
// as Mission Control shows it [doc], or base64 of a DER
// SubjectPublicKeyInfo, or a PEM "PUBLIC KEY" block (some libraries' form
// [lib]).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("no public key: want the account's base64 Ed25519 public key")
	}
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		der = block.Bytes
	} else {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return nil, errors.New("public key is not base64")
		}
		if len(b) == ed25519.PublicKeySize {
			return ed25519.PublicKey(b), nil
		}
		der = b
	}
	k, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("public key is neither %d raw bytes nor a SubjectPublicKeyInfo", ed25519.PublicKeySize)
	}
	pk, ok := k.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is a %T, not Ed25519", k)
	}
	return pk, nil
}

// verifySignature checks a webhook: exactly one signature and one
// timestamp header; the signature, base64 of 64 bytes, verifies over
// timestamp|body under key (anything else is signature_invalid); then the
// timestamp, whole Unix seconds, is within tolerance of receivedAt, the
// receipt time (token_expired otherwise: a replay outside the window, or
// a clock far off). The signature is checked first, so a forger learns
// nothing from the reason. The receipt time, not the processing time, is
// what counts: a replay of last month's raw messages verifies as it did.
func verifySignature(body []byte, sigs, stamps []string, key ed25519.PublicKey, receivedAt time.Time, tolerance time.Duration) error {
	if len(sigs) != 1 || len(stamps) != 1 {
		return fmt.Errorf("telnyx callback has %d %s and %d %s headers, want 1 each: %w",
			len(sigs), SignatureHeader, len(stamps), TimestampHeader, fax.ReasonSignatureInvalid)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigs[0]))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return fmt.Errorf("telnyx %s is not base64 of %d bytes: %w", SignatureHeader, ed25519.SignatureSize, fax.ReasonSignatureInvalid)
	}
	if !ed25519.Verify(key, SignedMessage(stamps[0], body), sig) {
		return fmt.Errorf("telnyx %s does not match the timestamp and body under the account's public key: %w", SignatureHeader, fax.ReasonSignatureInvalid)
	}
	secs, err := strconv.ParseInt(stamps[0], 10, 64)
	if err != nil {
		// Signed, so Telnyx wrote it: but it is no time.
		return fmt.Errorf("telnyx %s %q is not Unix seconds: %w", TimestampHeader, stamps[0], fax.ReasonTokenExpired)
	}
	const maxSecs = 1 << 40 // far beyond any date; keeps time.Unix meaningful
	if secs < 0 || secs > maxSecs {
		return fmt.Errorf("telnyx %s %d is no time: %w", TimestampHeader, secs, fax.ReasonTokenExpired)
	}
	if d := receivedAt.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("telnyx %s is %s from the receipt time, beyond the %s tolerance: %w",
			TimestampHeader, d.Round(time.Second), tolerance, fax.ReasonTokenExpired)
	}
	return nil
}
