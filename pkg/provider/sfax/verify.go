package sfax

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// verify checks an Sfax callback of acc: the token decrypts under the
// account's key and IV (else signature_invalid), names the account's user
// and API key (else credentials_mismatch) and was generated within the
// token window of the receipt time, before or after (else token_expired);
// and apikeyDigest, the ingress's digest of the apikey parameter, is the
// digest of the account's API key (else credentials_mismatch).
func verify(acc Account, token, apikeyDigest string, receivedAt time.Time, d *fax.Digester) error {
	if token == "" {
		return fmt.Errorf("sfax callback has no token: %w", fax.ReasonSignatureInvalid)
	}
	t, err := DecryptToken(token, []byte(acc.EncryptionKey.Reveal()), []byte(acc.InitVector.Reveal()))
	if err != nil {
		return err
	}
	if !equal(t.Username, acc.Username) || !equal(t.APIKey, acc.APIKey.Reveal()) {
		return fmt.Errorf("sfax token names another user or API key: %w", fax.ReasonCredentialsMismatch)
	}
	if age := receivedAt.Sub(t.GenDT); age > acc.TokenWindow || age < -acc.TokenWindow {
		return fmt.Errorf("sfax token generated %s, %s from receipt at %s (window %s): %w",
			t.GenDT.Format(time.RFC3339), age, receivedAt.UTC().Format(time.RFC3339), acc.TokenWindow, fax.ReasonTokenExpired)
	}
	if !d.Matches(apikeyDigest, acc.APIKey.Reveal()) {
		return fmt.Errorf("sfax apikey parameter is missing or not the account's: %w", fax.ReasonCredentialsMismatch)
	}
	return nil
}

// equal compares two credentials in constant time (for equal lengths).
func equal(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
