package efax

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// SignatureHeader carries the HMAC-SHA256 of the body [doc].
const SignatureHeader = "X-HMAC-Signature"

// Sign returns the X-HMAC-Signature of body under secret: lower-case hex
// HMAC-SHA256, as the provider's Node sample makes it [lib].
func Sign(body []byte, secret string) string {
	sum := mac(body, secret)
	return hex.EncodeToString(sum[:])
}

// mac is the HMAC-SHA256 of body under secret.
func mac(body []byte, secret string) [sha256.Size]byte {
	var sum [sha256.Size]byte
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	m.Sum(sum[:0])
	return sum
}

// verifySignature checks that sigs, the values of SignatureHeader, are one
// hex HMAC-SHA256 of body under secret, in either case and with an optional
// "sha256=" prefix, compared in constant time. Anything else, a missing or
// repeated header included, is signature_invalid.
func verifySignature(body []byte, sigs []string, secret string) error {
	if len(sigs) != 1 {
		return fmt.Errorf("efax callback has %d %s headers, want 1: %w", len(sigs), SignatureHeader, fax.ReasonSignatureInvalid)
	}
	hexSig, _ := strings.CutPrefix(strings.TrimSpace(sigs[0]), "sha256=")
	var got [sha256.Size]byte
	if len(hexSig) != hex.EncodedLen(sha256.Size) {
		return fmt.Errorf("efax %s is not %d hex digits: %w", SignatureHeader, hex.EncodedLen(sha256.Size), fax.ReasonSignatureInvalid)
	}
	if _, err := hex.Decode(got[:], []byte(hexSig)); err != nil {
		return fmt.Errorf("efax %s is not hex: %w", SignatureHeader, fax.ReasonSignatureInvalid)
	}
	if want := mac(body, secret); !hmac.Equal(got[:], want[:]) {
		return fmt.Errorf("efax %s does not match the body: %w", SignatureHeader, fax.ReasonSignatureInvalid)
	}
	return nil
}

// verifyAppID checks, when the account names its app, that the callback's
// app_id is that app (constant time); credentials_mismatch otherwise. An
// account without an app id accepts any: the signature already proves the
// sender holds the account's secret.
func verifyAppID(got, want string) error {
	if want == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
		return nil
	}
	return fmt.Errorf("efax app_id %q is not the account's: %w", got, fax.ReasonCredentialsMismatch)
}
