package sfax_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// TestCheckCredentials: the check is one dated listing with a fresh
// token (fakeSfax refuses anything else); Sfax's refusal, a 401 or an
// answer isSuccess false, wraps docfetch.ErrUnauthorized; a 5xx says
// nothing of the credentials; no error quotes the API key.
func TestCheckCredentials(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		ok, refused bool
	}{
		{"listed", http.StatusOK, `{"isSuccess":true,"InboundFaxItems":[]}`, true, false},
		{"401", http.StatusUnauthorized, `{"isSuccess":false,"message":"Invalid token for ` + apiKey + `"}`, false, true},
		{"isSuccess false", http.StatusOK, `{"isSuccess":false,"message":"Invalid token"}`, false, true},
		{"503", http.StatusServiceUnavailable, `down`, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSfax(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			})
			acc := account(true)
			acc.APIBaseURL = f.srv.URL
			ck, err := sfax.NewCredentialChecker([]sfax.Account{acc}, docfetch.Options{HTTP: f.srv.Client(), Now: f.clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			err = ck.CheckCredentials(context.Background(), "acme")
			if (err == nil) != tt.ok || errors.Is(err, docfetch.ErrUnauthorized) != tt.refused {
				t.Errorf("CheckCredentials = %v, want ok %v, refused %v", err, tt.ok, tt.refused)
			}
			if err != nil && strings.Contains(err.Error(), apiKey) {
				t.Errorf("the error quotes the API key: %v", err)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if err := ck.CheckCredentials(context.Background(), "other"); !errors.Is(err, docfetch.ErrUnknownAccount) {
				t.Errorf("unknown account: %v", err)
			}
		})
	}
}
