package gofax

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

func TestDocumentClient(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		answer  string
		want    string
		wantErr error
	}{
		{"JSON object", 200, `{"Success":true,"Data":"JVBERi0xLjQ="}`, "%PDF-1.4", nil},
		{"JSON string", 200, `"JVBERi0xLjQ="`, "%PDF-1.4", nil},
		{"bare base64", 200, "JVBERi0xLjQ=\n", "%PDF-1.4", nil},
		{"no document", 200, `{"Success":false,"Message":"no"}`, "", docfetch.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.EscapedPath() != "/v1.0/ReceiveFax/48%2F51/Document" || r.URL.Query().Get("token") != "tok" {
					t.Errorf("request %s", r.URL)
				}
				_, _ = io.WriteString(w, tt.answer)
			}))
			defer srv.Close()
			c, err := NewDocumentClient([]Account{{
				AccountBase: config.AccountBase{ID: "demo", APIBaseURL: srv.URL}, APIToken: config.Literal("tok"),
			}}, docfetch.Options{HTTP: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			body, err := c.Fetch(context.Background(), docfetch.Request{Event: fax.Event{Provider: fax.GoFax, Account: "demo", FaxID: "48/51"}})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = body.Close() }()
			got, err := io.ReadAll(body)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil || string(got) != tt.want {
				t.Fatalf("document %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestDocumentClientUnauthorized(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	defer srv.Close()
	c, _ := NewDocumentClient([]Account{{AccountBase: config.AccountBase{ID: "demo", APIBaseURL: srv.URL}}},
		docfetch.Options{HTTP: srv.Client()})
	_, err := c.Fetch(context.Background(), docfetch.Request{Event: fax.Event{Provider: fax.GoFax, Account: "demo", FaxID: "1"}})
	var se *docfetch.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Fatalf("error %v, want a 401 StatusError", err)
	}
	if _, err := c.Fetch(context.Background(), docfetch.Request{Event: fax.Event{Provider: fax.GoFax, Account: "other", FaxID: "1"}}); !errors.Is(err, docfetch.ErrUnknownAccount) {
		t.Fatalf("unknown account: %v", err)
	}
}
