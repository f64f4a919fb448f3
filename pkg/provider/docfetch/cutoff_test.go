package docfetch

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
)

// failingAt ends its bytes with err instead of io.EOF, as a connection that
// stalls or drops mid-answer does.
type failingAt struct {
	r   io.Reader
	err error
}

func (f *failingAt) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		return n, f.err
	}
	return n, err
}

// TestCutOffAnswerIsTheReadError: an answer cut off mid-base64 by a failed
// read is that read's error (transient, retried), never a malformed
// document (permanent), wherever the cut falls.
func TestCutOffAnswerIsTheReadError(t *testing.T) {
	doc := strings.Repeat("%PDF-1.4 lots of bytes here ", 2000)
	stalled := errors.New("stalled: no byte for 300ms")
	for _, shape := range []struct {
		name string
		body map[string]any
	}{
		{"gofax", map[string]any{"Success": true, "FaxID": "123", "Data": base64.StdEncoding.EncodeToString([]byte(doc))}},
		{"efax", map[string]any{"fax_id": "123", "file_name": "123.pdf", "image": base64.StdEncoding.EncodeToString([]byte(doc))}},
	} {
		body, err := json.Marshal(shape.body)
		if err != nil {
			t.Fatal(err)
		}
		for cut := len(body) / 2; cut < len(body)/2+8; cut++ {
			_, err := io.ReadAll(DecodeDocument(&failingAt{r: strings.NewReader(string(body[:cut])), err: stalled}))
			if !errors.Is(err, stalled) || errors.Is(err, ErrMalformed) {
				t.Errorf("%s cut at %d: %v, want the read's error", shape.name, cut, err)
			}
		}
	}
}
