package sfax

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Token is the plaintext of an Sfax token: who generated it and when.
type Token struct {
	Username string
	APIKey   string
	GenDT    time.Time
	Context  string // optional; some clients add it
}

// genDTLayout is how Sfax writes GenDT: yyyy-MM-ddTHH:mm:ssZ, in UTC.
const genDTLayout = "2006-01-02T15:04:05Z"

// String is the token's plaintext as Sfax writes it:
// Username=…&ApiKey=…&GenDT=yyyy-MM-ddTHH:mm:ssZ, then &Context=… if set.
func (t Token) String() string {
	s := "Username=" + t.Username + "&ApiKey=" + t.APIKey + "&GenDT=" + t.GenDT.UTC().Format(genDTLayout)
	if t.Context != "" {
		s += "&Context=" + t.Context
	}
	return s
}

// EncryptToken returns t encrypted as Sfax does: AES-256-CBC of t.String()
// with PKCS#7 padding, in standard base64. key must be the account's
// 32-byte encryption key and iv its 16-byte init vector.
func EncryptToken(t Token, key, iv []byte) (string, error) {
	mode, err := newCBC(key, iv, cipher.NewCBCEncrypter)
	if err != nil {
		return "", err
	}
	plain := pad([]byte(t.String()))
	out := make([]byte, len(plain))
	mode.CryptBlocks(out, plain)
	return base64.StdEncoding.EncodeToString(out), nil
}

// DecryptToken decrypts and parses an Sfax token, tolerating what arrives
// in real query strings: spaces where '+' was not percent-encoded, a
// trailing '&', unknown fields, milliseconds or no zone in GenDT. Any
// failure — bad base64, bad padding (a wrong key or IV), a plaintext without
// Username, ApiKey and GenDT — wraps fax.ReasonSignatureInvalid; a key or IV
// of the wrong length is a configuration error wrapping nothing.
func DecryptToken(token string, key, iv []byte) (Token, error) {
	mode, err := newCBC(key, iv, cipher.NewCBCDecrypter)
	if err != nil {
		return Token{}, err
	}
	// Spaces back to '+' first: a token may begin or end with one.
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.ReplaceAll(token, " ", "+")))
	if err != nil || len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return Token{}, fmt.Errorf("sfax token is not base64 AES blocks: %w", fax.ReasonSignatureInvalid)
	}
	mode.CryptBlocks(data, data)
	plain, ok := unpad(data)
	if !ok {
		return Token{}, fmt.Errorf("sfax token does not decrypt (wrong key or IV?): %w", fax.ReasonSignatureInvalid)
	}
	return parseToken(string(plain))
}

func newCBC(key, iv []byte, mode func(cipher.Block, []byte) cipher.BlockMode) (cipher.BlockMode, error) {
	if len(key) != 32 || len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("sfax token needs a 32-byte key and a 16-byte IV, got %d and %d", len(key), len(iv))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("sfax token cipher: %w", err)
	}
	return mode(block, iv), nil
}

// pad adds PKCS#7 padding up to a whole number of AES blocks.
func pad(b []byte) []byte {
	n := aes.BlockSize - len(b)%aes.BlockSize
	return append(b, bytes.Repeat([]byte{byte(n)}, n)...)
}

// unpad removes PKCS#7 padding, reporting whether it was well formed. No
// padding oracle is exposed: the ingress answered long before this runs.
func unpad(b []byte) ([]byte, bool) {
	n := int(b[len(b)-1])
	if n == 0 || n > aes.BlockSize || n > len(b) {
		return nil, false
	}
	for _, c := range b[len(b)-n:] {
		if int(c) != n {
			return nil, false
		}
	}
	return b[:len(b)-n], true
}

// parseToken reads the &-separated pairs of a token's plaintext; the first
// of a repeated field wins and unknown fields are ignored.
func parseToken(plain string) (Token, error) {
	var t Token
	var genDT string
	for _, part := range strings.Split(plain, "&") {
		k, v, _ := strings.Cut(part, "=")
		switch {
		case strings.EqualFold(k, "Username") && t.Username == "":
			t.Username = v
		case strings.EqualFold(k, "ApiKey") && t.APIKey == "":
			t.APIKey = v
		case strings.EqualFold(k, "GenDT") && genDT == "":
			genDT = v
		case strings.EqualFold(k, "Context") && t.Context == "":
			t.Context = v
		}
	}
	if t.Username == "" || t.APIKey == "" || genDT == "" {
		return Token{}, fmt.Errorf("sfax token lacks Username, ApiKey or GenDT: %w", fax.ReasonSignatureInvalid)
	}
	gen, err := parseGenDT(genDT)
	if err != nil {
		return Token{}, fmt.Errorf("sfax token GenDT %q: %w", genDT, fax.ReasonSignatureInvalid)
	}
	t.GenDT = gen
	return t, nil
}

// parseGenDT reads GenDT in UTC: RFC 3339 (with or without fractional
// seconds), or the same without a zone, which Sfax means as UTC.
func parseGenDT(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("GenDT %q is not yyyy-MM-ddTHH:mm:ssZ", s)
}
