package efax

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// TestCheckCredentials: each check obtains a new token (POST /tokens with
// the app's client credentials), even with one cached; a refused token
// request wraps docfetch.ErrUnauthorized.
func TestCheckCredentials(t *testing.T) {
	var tokens atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, pass, _ := r.BasicAuth()
		if r.Method != http.MethodPost || r.URL.Path != "/tokens" || user != "app" || pass != "right-key" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
			return
		}
		tokens.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok","token_type":"Bearer","expires_in":86400}`))
	}))
	defer srv.Close()
	checker := func(key string) docfetch.CredentialChecker {
		a := Account{AccountBase: config.AccountBase{ID: "demo", APIBaseURL: srv.URL}, AppID: "app", APIKey: config.Literal(key)}
		forgetTokenCache(t, a)
		ck, err := NewCredentialChecker([]Account{a}, docfetch.Options{HTTP: srv.Client()})
		if err != nil {
			t.Fatal(err)
		}
		return ck
	}
	right := checker("right-key")
	for range 2 {
		if err := right.CheckCredentials(context.Background(), "demo"); err != nil {
			t.Fatalf("right key: %v", err)
		}
	}
	if got := tokens.Load(); got != 2 {
		t.Errorf("%d tokens obtained by two checks, want 2", got)
	}
	if err := checker("wrong-key").CheckCredentials(context.Background(), "demo"); !errors.Is(err, docfetch.ErrUnauthorized) {
		t.Errorf("wrong key: %v, want docfetch.ErrUnauthorized", err)
	}
	if err := right.CheckCredentials(context.Background(), "other"); !errors.Is(err, docfetch.ErrUnknownAccount) {
		t.Errorf("unknown account: %v", err)
	}
}
