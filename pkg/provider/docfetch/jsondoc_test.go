package docfetch

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

var sample = []byte("%PDF-1.4\n\x00\x01\x02\xff binary \"quoted\" \\ bytes\n%%EOF")

func TestDecodeDocument(t *testing.T) {
	std := base64.StdEncoding.EncodeToString(sample)
	url := base64.RawURLEncoding.EncodeToString(sample)
	escaped := strings.ReplaceAll(std, "/", `\/`)
	unicodeEscaped := strings.ReplaceAll(std, "+", `\u002B`)
	wrapped := std[:10] + `\r\n` + std[10:]
	tests := []struct {
		name string
		body string
		want []byte
		err  error
	}{
		{"object Data", `{"Data":"` + std + `"}`, sample, nil},
		{"object data lower case", `{"data":"` + std + `"}`, sample, nil},
		{"object FileData after other members", `{"Success":true,"Count":3,"Name":"a.pdf","Tags":["x","y"],"Meta":{"k":"v"},"FileData":"` + std + `"}`, sample, nil},
		{"eFax image", `{"fax_id":"f1","file_name":"f1.pdf","image":"` + std + `"}`, sample, nil},
		{"nested object", `{"Result":{"Document":"` + std + `"},"Status":"ok"}`, sample, nil},
		{"null document then real one", `{"data":null,"Document":"` + std + `"}`, sample, nil},
		{"JSON string", `"` + std + `"`, sample, nil},
		{"JSON string with escaped slashes", `"` + escaped + `"`, sample, nil},
		{"JSON string with unicode escapes", `"` + unicodeEscaped + `"`, sample, nil},
		{"line breaks inside", `{"Data":"` + wrapped + `"}`, sample, nil},
		{"bare base64", std, sample, nil},
		{"bare base64 with trailing newline", std + "\n", sample, nil},
		{"URL-safe without padding", `"` + url + `"`, sample, nil},
		{"leading white space and BOM", "\xef\xbb\xbf \n" + `{"Data":"` + std + `"}`, sample, nil},
		{"empty document", `{"Data":""}`, []byte{}, nil},
		{"no document member", `{"Success":false,"Message":"no such fax"}`, nil, ErrMalformed},
		{"bad base64", `{"Data":"%%%"}`, nil, ErrMalformed},
		{"HTML", `<html>error</html>`, nil, ErrMalformed},
		{"empty answer", ``, nil, io.ErrUnexpectedEOF},
		{"cut inside the string", `{"Data":"` + std[:20], nil, io.ErrUnexpectedEOF},
		{"cut inside the object", `{"Success":true,`, nil, io.ErrUnexpectedEOF},
		{"control character", "\"AAAA\x01\"", nil, ErrMalformed},
		{"array", `["` + std + `"]`, nil, ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []io.Reader{strings.NewReader(tt.body), iotest.OneByteReader(strings.NewReader(tt.body))} {
				got, err := io.ReadAll(DecodeDocument(r))
				if tt.err != nil {
					if !errors.Is(err, tt.err) {
						t.Fatalf("error %v, want %v", err, tt.err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if !bytes.Equal(got, tt.want) {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

// TestDecodeDocumentPassesReadErrors keeps a network error as it is, so the
// downloader can tell it from a malformed answer.
func TestDecodeDocumentPassesReadErrors(t *testing.T) {
	boom := errors.New("connection reset")
	r := io.MultiReader(strings.NewReader(`{"Data":"QUJD`), iotest.ErrReader(boom))
	_, err := io.ReadAll(DecodeDocument(r))
	if !errors.Is(err, boom) || errors.Is(err, ErrMalformed) {
		t.Fatalf("error %v, want %v", err, boom)
	}
}

func FuzzDecodeDocument(f *testing.F) {
	for _, s := range []string{`{"Data":"QUJD"}`, `"QUJD"`, `QUJD`, `{"a":{"b":[1,"x"]},"image":"QQ=="}`, `{"data":"\u0051UJD"}`, `{`, `"`} {
		f.Add([]byte(s), []byte("abc"))
	}
	f.Fuzz(func(t *testing.T, body, doc []byte) {
		// Arbitrary answers must not panic nor return more than they carry.
		got, err := io.ReadAll(DecodeDocument(bytes.NewReader(body)))
		if err == nil && len(got) > len(body) {
			t.Fatalf("decoded %d bytes from a %d-byte answer", len(got), len(body))
		}
		// Whatever the document, every wrapping gives it back.
		enc := base64.StdEncoding.EncodeToString(doc)
		quoted, _ := json.Marshal(enc)
		obj, _ := json.Marshal(map[string]any{"Message": string(body), "Data": enc, "Pages": 1})
		for _, wrapped := range [][]byte{[]byte(enc), quoted, obj} {
			got, err := io.ReadAll(DecodeDocument(iotest.HalfReader(bytes.NewReader(wrapped))))
			if len(doc) == 0 && len(wrapped) == 0 {
				continue // an empty bare answer is no answer
			}
			if err != nil || !bytes.Equal(got, doc) {
				t.Fatalf("%q: got %q, %v; want %q", wrapped, got, err, doc)
			}
		}
	})
}
