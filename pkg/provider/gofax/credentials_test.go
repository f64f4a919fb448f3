package gofax_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
)

// TestCheckCredentials: the check asks for a fax's document with the
// token; 401 and 403 wrap docfetch.ErrUnauthorized; a document, or a 4xx
// about the fax, means the token passed; 429 and 5xx say nothing; no
// error quotes the token.
func TestCheckCredentials(t *testing.T) {
	const token = "s3cret-gofax-token"
	tests := []struct {
		name        string
		status      int
		ok, refused bool
	}{
		{"document", http.StatusOK, true, false},
		{"no such fax", http.StatusNotFound, true, false},
		{"bad fax id", http.StatusBadRequest, true, false},
		{"401", http.StatusUnauthorized, false, true},
		{"403", http.StatusForbidden, false, true},
		{"429", http.StatusTooManyRequests, false, false},
		{"500", http.StatusInternalServerError, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var asked []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				asked = append(asked, r.URL.Path+" token="+r.URL.Query().Get("token"))
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, "answer quoting "+token)
			}))
			defer srv.Close()
			acc := gofax.Account{AccountBase: config.AccountBase{ID: "clinic", APIBaseURL: srv.URL}, APIToken: config.Literal(token)}
			ck, err := gofax.NewCredentialChecker([]gofax.Account{acc}, docfetch.Options{HTTP: srv.Client()})
			if err != nil {
				t.Fatal(err)
			}
			err = ck.CheckCredentials(context.Background(), "clinic")
			if (err == nil) != tt.ok || errors.Is(err, docfetch.ErrUnauthorized) != tt.refused {
				t.Errorf("CheckCredentials = %v, want ok %v, refused %v", err, tt.ok, tt.refused)
			}
			if err != nil && strings.Contains(err.Error(), token) {
				t.Errorf("the error quotes the token: %v", err)
			}
			if want := "/v1.0/ReceiveFax/0/Document token=" + token; len(asked) != 1 || asked[0] != want {
				t.Errorf("asked %q, want %q once", asked, want)
			}
		})
	}
}
