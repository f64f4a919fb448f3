package efax

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// fakeAPI issues tokens t1, t2, … and answers images to the latest one.
type fakeAPI struct {
	tokens, images atomic.Int64
	refuseAll      bool
	paths          sync.Map
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/tokens" {
		if u, p, _ := r.BasicAuth(); u != "app" || p != "key" || r.FormValue("grant_type") != "client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"access_token":"t%d","expires_in":86400}`, f.tokens.Add(1))
		return
	}
	f.images.Add(1)
	f.paths.Store(r.URL.Path+"?"+r.URL.RawQuery, true)
	if f.refuseAll || r.Header.Get("Authorization") != fmt.Sprintf("Bearer t%d", f.tokens.Load()) || r.Header.Get("user-id") != "u1" {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	_, _ = io.WriteString(w, `{"fax_id":"f1","file_name":"f1.pdf","image":"JVBERi0xLjQ="}`)
}

func newClient(t *testing.T, api *fakeAPI) (docfetch.Client, *httptest.Server) {
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	a := Account{AccountBase: config.AccountBase{ID: "demo", APIBaseURL: srv.URL}, AppID: "app", APIKey: config.Literal("key")}
	forgetTokenCache(t, a)
	c, err := NewDocumentClient([]Account{a}, docfetch.Options{HTTP: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func request(id string, fields map[string]string) docfetch.Request {
	ev := fax.Event{Provider: fax.EFax, Account: "demo", FaxID: id, ProviderFields: map[string]json.RawMessage{}}
	for k, v := range fields {
		ev.ProviderFields[k], _ = json.Marshal(v)
	}
	return docfetch.Request{Event: ev, Format: docfetch.PDF}
}

func fetch(c docfetch.Client, req docfetch.Request) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	body, err := c.Fetch(ctx, req)
	if err != nil {
		return "", err
	}
	defer func() { _ = body.Close() }()
	b, err := io.ReadAll(body)
	return string(b), err
}

// TestDocumentTokenSharedByConcurrentFetches: many workers, one token.
func TestDocumentTokenSharedByConcurrentFetches(t *testing.T) {
	api := &fakeAPI{}
	c, _ := newClient(t, api)
	var wg sync.WaitGroup
	errs := make(chan string, 8) // the workers report; the test goroutine asserts
	for range 8 {
		wg.Go(func() {
			if got, err := fetch(c, request("f1", map[string]string{"user_id": "u1"})); err != nil || got != "%PDF-1.4" {
				errs <- fmt.Sprintf("fetch = %q, %v", got, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got := api.tokens.Load(); got != 1 {
		t.Fatalf("%d token requests, want 1", got)
	}
}

// TestDocumentRefreshesOnceOn401: a refused token is replaced once; a
// second 401 is the answer.
func TestDocumentRefreshesOnceOn401(t *testing.T) {
	api := &fakeAPI{refuseAll: true}
	c, _ := newClient(t, api)
	_, err := fetch(c, request("f1", map[string]string{"user_id": "u1"}))
	var se *docfetch.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Fatalf("error %v, want a 401 StatusError", err)
	}
	if got, want := [2]int64{api.tokens.Load(), api.images.Load()}, [2]int64{2, 2}; got != want {
		t.Fatalf("token and image requests %v, want %v", got, want)
	}
}

func TestDocumentURL(t *testing.T) {
	api := &fakeAPI{}
	c, srv := newClient(t, api)
	tests := []struct {
		name, resourceURL, want string
	}{
		{"no resource_url", "", "/faxes/f/1/image?desired_format=PDF"},
		{"resource_url on another host", "https://evil.example/faxes/x/image", "/faxes/f/1/image?desired_format=PDF"},
		// The emulator's base URL is http, configured explicitly: a
		// resource_url on that very host is trusted, and fetched as given.
		{"resource_url on the http API host", srv.URL + "/other/image", "/other/image?desired_format=PDF"},
		{"resource_url on the API host over another port", "http://127.0.0.1:1/faxes/x/image", "/faxes/f/1/image?desired_format=PDF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			api.paths.Clear()
			fields := map[string]string{"user_id": "u1"}
			if tt.resourceURL != "" {
				fields["resource_url"] = tt.resourceURL
			}
			if _, err := fetch(c, request("f/1", fields)); err != nil {
				t.Fatal(err)
			}
			got := []string{}
			api.paths.Range(func(k, _ any) bool { got = append(got, k.(string)); return true })
			if len(got) != 1 || got[0] != tt.want { // the path as the server decodes it
				t.Fatalf("requested %v, want %s", got, tt.want)
			}
		})
	}
}
