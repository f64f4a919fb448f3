package sfax_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// The test vector of PROVIDERS.md, checked there with openssl.
const (
	vectorKey   = "0123456789abcdef0123456789abcdef"
	vectorIV    = "fedcba9876543210"
	vectorPlain = "Username=demo&ApiKey=KEY123&GenDT=2024-01-02T03:04:05Z"
	vectorToken = "fGow2t4lGDOk71RqFKGWduUEoOEh1Iz4x3OeUL+sqe/3+ERATDvjyaIk7158vYvb13liOQILfgoi8CeH/D6fqA=="
)

var vectorTime = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

func TestEncryptTokenMatchesTheVector(t *testing.T) {
	tok := sfax.Token{Username: "demo", APIKey: "KEY123", GenDT: vectorTime}
	if got := tok.String(); got != vectorPlain {
		t.Fatalf("plaintext = %q, want %q", got, vectorPlain)
	}
	got, err := sfax.EncryptToken(tok, []byte(vectorKey), []byte(vectorIV))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorToken {
		t.Errorf("EncryptToken = %q, want %q", got, vectorToken)
	}
}

func TestDecryptTokenReadsTheVector(t *testing.T) {
	got, err := sfax.DecryptToken(vectorToken, []byte(vectorKey), []byte(vectorIV))
	if err != nil {
		t.Fatal(err)
	}
	want := sfax.Token{Username: "demo", APIKey: "KEY123", GenDT: vectorTime}
	if got != want {
		t.Errorf("DecryptToken = %+v, want %+v", got, want)
	}
}

func TestDecryptTokenTolerates(t *testing.T) {
	tests := []struct {
		name    string
		plain   string
		mangle  func(string) string
		wantGen time.Time
		wantCtx string
	}{
		{name: "plus sent as space", plain: vectorPlain, mangle: func(s string) string { return strings.ReplaceAll(s, "+", " ") }, wantGen: vectorTime},
		{name: "trailing ampersand", plain: vectorPlain + "&", wantGen: vectorTime},
		{name: "context field", plain: vectorPlain + "&Context=batch-7", wantGen: vectorTime, wantCtx: "batch-7"},
		{name: "context field first", plain: "Context=x&" + vectorPlain, wantGen: vectorTime, wantCtx: "x"},
		{name: "unknown field", plain: vectorPlain + "&Client=dotnet", wantGen: vectorTime},
		{name: "milliseconds", plain: "Username=demo&ApiKey=KEY123&GenDT=2024-01-02T03:04:05.250Z", wantGen: vectorTime.Add(250 * time.Millisecond)},
		{name: "no zone is UTC", plain: "Username=demo&ApiKey=KEY123&GenDT=2024-01-02T03:04:05", wantGen: vectorTime},
		{name: "offset zone", plain: "Username=demo&ApiKey=KEY123&GenDT=2024-01-02T04:04:05+01:00", wantGen: vectorTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := encryptPlain(t, tt.plain, vectorKey, vectorIV)
			if tt.mangle != nil {
				token = tt.mangle(token)
			}
			got, err := sfax.DecryptToken(token, []byte(vectorKey), []byte(vectorIV))
			if err != nil {
				t.Fatal(err)
			}
			if got.Username != "demo" || got.APIKey != "KEY123" || !got.GenDT.Equal(tt.wantGen) || got.Context != tt.wantCtx {
				t.Errorf("DecryptToken = %+v, want demo/KEY123 at %s, context %q", got, tt.wantGen, tt.wantCtx)
			}
			if got.GenDT.Location() != time.UTC {
				t.Errorf("GenDT location = %s, want UTC", got.GenDT.Location())
			}
		})
	}
}

func TestDecryptTokenRejects(t *testing.T) {
	tests := []struct {
		name    string
		token   string
		key, iv string
	}{
		{name: "wrong key", token: vectorToken, key: "ffffffffffffffffffffffffffffffff", iv: vectorIV},
		{name: "wrong IV", token: vectorToken, key: vectorKey, iv: "0000000000000000"},
		{name: "not base64", token: "not*base64!", key: vectorKey, iv: vectorIV},
		{name: "empty", token: "", key: vectorKey, iv: vectorIV},
		{name: "not whole blocks", token: vectorToken[:20] + "==", key: vectorKey, iv: vectorIV},
		{name: "truncated last block", token: vectorToken[:64], key: vectorKey, iv: vectorIV},
		{name: "no GenDT", token: encryptPlain(t, "Username=demo&ApiKey=KEY123", vectorKey, vectorIV), key: vectorKey, iv: vectorIV},
		{name: "bad GenDT", token: encryptPlain(t, "Username=demo&ApiKey=KEY123&GenDT=tuesday", vectorKey, vectorIV), key: vectorKey, iv: vectorIV},
		{name: "no Username", token: encryptPlain(t, "ApiKey=KEY123&GenDT=2024-01-02T03:04:05Z", vectorKey, vectorIV), key: vectorKey, iv: vectorIV},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sfax.DecryptToken(tt.token, []byte(tt.key), []byte(tt.iv))
			if !errors.Is(err, fax.ReasonSignatureInvalid) {
				t.Fatalf("DecryptToken = %+v, %v; want signature_invalid", got, err)
			}
		})
	}
}

func TestTokenKeySizes(t *testing.T) {
	if _, err := sfax.EncryptToken(sfax.Token{}, []byte("short"), []byte(vectorIV)); err == nil {
		t.Error("EncryptToken accepted a 5-byte key")
	}
	_, err := sfax.DecryptToken(vectorToken, []byte(vectorKey), []byte("short"))
	if err == nil {
		t.Fatal("DecryptToken accepted a 5-byte IV")
	}
	if _, ok := fax.ReasonOf(err); ok {
		t.Errorf("a configuration error wraps a rejection reason: %v", err)
	}
}

// encryptPlain encrypts an arbitrary plaintext as Sfax does (AES-256-CBC,
// PKCS#7, standard base64), independently of the code under test.
func encryptPlain(t testing.TB, plain, key, iv string) string {
	t.Helper()
	block, err := aes.NewCipher([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	data := append([]byte(plain), bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(block, []byte(iv)).CryptBlocks(data, data)
	return base64.StdEncoding.EncodeToString(data)
}

// TestDecryptTokenEndingInPlusSentAsSpace: a token that ends (or begins)
// with '+' and arrives not percent-encoded ends with a space, which must
// become '+' again before anything trims it.
func TestDecryptTokenEndingInPlusSentAsSpace(t *testing.T) {
	const plain = "Username=demo&ApiKey=5787A4EDBCDE46F9D6D2E067AC7097DC&GenDT=2024-01-02T03:04:37Z"
	token := encryptPlain(t, plain, vectorKey, vectorIV)
	if !strings.HasSuffix(token, "+") {
		t.Fatalf("token %q does not end with '+': the case is not exercised", token)
	}
	got, err := sfax.DecryptToken(strings.ReplaceAll(token, "+", " "), []byte(vectorKey), []byte(vectorIV))
	if err != nil {
		t.Fatalf("DecryptToken: %v", err)
	}
	if want := time.Date(2024, 1, 2, 3, 4, 37, 0, time.UTC); !got.GenDT.Equal(want) || got.Username != "demo" {
		t.Errorf("got %+v, want demo at %s", got, want)
	}
}
