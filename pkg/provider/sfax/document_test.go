package sfax

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

func TestDocumentClient(t *testing.T) {
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		format  docfetch.Format
		answer  string
		want    string
		wantErr error
	}{
		{"PDF", docfetch.PDF, "%PDF-1.4 doc", "%PDF-1.4 doc", nil},
		{"TIFF", docfetch.TIFF, "II*\x00doc", "II*\x00doc", nil},
		{"error JSON with a 200", docfetch.PDF, `{"isSuccess":false,"message":"Fax not found"}`, "", docfetch.ErrRefused},
		{"other JSON", docfetch.PDF, `{"isSuccess":true}`, "", docfetch.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				tok, err := DecryptToken(q.Get("token"), []byte(testKey), []byte(testIV))
				op := map[docfetch.Format]string{docfetch.PDF: "/api/DownloadInboundFaxAsPdf", docfetch.TIFF: "/api/DownloadInboundFaxAsTif"}[tt.format]
				if err != nil || tok.Username != "demo" || tok.APIKey != "KEY123" || !tok.GenDT.Equal(now) ||
					q.Get("ApiKey") != "KEY123" || q.Get("FaxId") != "2150102030405000000" || r.URL.Path != op {
					t.Errorf("request %s: token %+v, %v", r.URL, tok, err)
				}
				_, _ = io.WriteString(w, tt.answer)
			}))
			defer srv.Close()
			c, err := NewDocumentClient([]Account{{
				AccountBase: config.AccountBase{ID: "demo", APIBaseURL: srv.URL + "/"}, Username: "demo",
				APIKey: config.Literal("KEY123"), EncryptionKey: config.Literal(testKey), InitVector: config.Literal(testIV),
			}}, docfetch.Options{HTTP: srv.Client(), Now: func() time.Time { return now }})
			if err != nil {
				t.Fatal(err)
			}
			ev := fax.Event{Provider: fax.Sfax, Account: "demo", FaxID: "2150102030405000000"}
			body, err := c.Fetch(context.Background(), docfetch.Request{Event: ev, Format: tt.format})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = body.Close() }()
			if got, _ := io.ReadAll(body); string(got) != tt.want {
				t.Fatalf("document %q, want %q", got, tt.want)
			}
		})
	}
}

const (
	testKey = "0123456789abcdef0123456789abcdef"
	testIV  = "fedcba9876543210"
)
