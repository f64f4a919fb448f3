package downloader_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// reply answers one request.
type reply func(w http.ResponseWriter, r *http.Request)

// script answers the nth request with replies[n], the last one repeating.
func script(replies ...reply) reply {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		replies[min(i, len(replies)-1)](w, r)
	}
}

func raw(body []byte) reply {
	return func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(body) }
}

func jsonBody(v any) reply {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

func status(code int, header ...string) reply {
	return func(w http.ResponseWriter, _ *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.WriteHeader(code)
	}
}

// stall sends the first bytes of body, then nothing until the client gives
// up or release is closed, after which it sends nothing more.
func stall(body []byte, started chan<- struct{}, release <-chan struct{}) reply {
	var once sync.Once
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body[:len(body)/2])
		w.(http.Flusher).Flush()
		if started != nil {
			once.Do(func() { close(started) })
		}
		select {
		case <-r.Context().Done():
		case <-release:
		case <-time.After(10 * time.Second):
		}
	}
}

// sfaxAPI checks an Sfax download request (fresh token of the account,
// ApiKey, FaxId) before answering with next.
func sfaxAPI(t *testing.T, next reply) reply {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		tok, err := sfax.DecryptToken(q.Get("token"), []byte(sfaxKey), []byte(sfaxIV))
		switch {
		case err != nil || tok.Username != sfaxUser || tok.APIKey != sfaxAPIKey || time.Since(tok.GenDT) > time.Minute:
			t.Errorf("sfax token %q: %+v, %v", q.Get("token"), tok, err)
			w.WriteHeader(http.StatusUnauthorized)
		case q.Get("ApiKey") != sfaxAPIKey || q.Get("FaxId") == "":
			t.Errorf("sfax query %v", q)
			w.WriteHeader(http.StatusBadRequest)
		default:
			next(w, r)
		}
	}
}

// gofaxAPI checks the token of a GoFax request before answering with next.
func gofaxAPI(t *testing.T, next reply) reply {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") != gofaxToken {
			t.Errorf("gofax token %q", r.URL.Query().Get("token"))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		next(w, r)
	}
}

// efaxAPI serves POST /tokens, issuing tokens t1, t2, … (counted in
// tokens), and answers other requests with next once their bearer token
// and user-id are checked against the latest token.
func efaxAPI(t *testing.T, tokens *atomic.Int64, next reply) reply {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/tokens" {
			user, pass, ok := r.BasicAuth()
			drain(r)
			if r.Method != http.MethodPost || !ok || user != efaxApp || pass != efaxKey {
				t.Errorf("efax token request %s basic=%v %q:%q", r.Method, ok, user, pass)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			n := tokens.Add(1)
			jsonBody(map[string]any{"access_token": fmt.Sprintf("t%d", n), "expires_in": 86400, "token_type": "Bearer"})(w, r)
			return
		}
		if want := fmt.Sprintf("Bearer t%d", tokens.Load()); r.Header.Get("Authorization") != want {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		if r.Header.Get("user-id") != "user-1" {
			t.Errorf("efax user-id %q", r.Header.Get("user-id"))
		}
		next(w, r)
	}
}

// efaxImage is eFax's answer carrying doc.
func efaxImage(doc []byte) reply {
	return jsonBody(map[string]string{"fax_id": "f", "file_name": "f.pdf", "image": base64.StdEncoding.EncodeToString(doc)})
}

// gofaxDocument is a GoFax answer carrying doc as a JSON object.
func gofaxDocument(doc []byte) reply {
	return jsonBody(map[string]any{"Success": true, "Data": base64.StdEncoding.EncodeToString(doc)})
}
