package ingress_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// hostileTimeouts are short connection timeouts, so that slow clients are
// cut off within seconds.
func hostileTimeouts(c *config.Ingress) {
	c.BodyLimit = 1024
	c.ReadHeaderTimeout = time.Second
	c.ReadTimeout = 2 * time.Second
	c.WriteTimeout = 3 * time.Second
	c.IdleTimeout = time.Second
}

// TestOversizedRequests: a body over the limit, declared or streamed, gets
// a 413 at once, not once the server has read more of it; a header block
// over the limit gets a 431 or a closed connection. None publishes
// anything. The read timeout is longer than the test waits for an answer,
// so an answer held back until it expires fails the test.
func TestOversizedRequests(t *testing.T) {
	h := newHarness(t, func(c *config.Ingress) {
		hostileTimeouts(c)
		c.ReadTimeout, c.WriteTimeout = time.Minute, time.Minute
	})
	chunks := strings.Repeat("1\r\nx\r\n", 2048) + "0\r\n\r\n"
	tests := []struct {
		name    string
		payload string
		want    []int // acceptable answers; 0: closed without one
	}{
		{"declared 10 GiB, nothing sent", post("/callbacks/efax/demo", "Content-Length: 10737418240\r\n", ""), []int{413}},
		{"declared 10 GiB, asking to continue", post("/callbacks/efax/demo", "Content-Length: 10737418240\r\nExpect: 100-continue\r\n", ""), []int{413}},
		{"declared and sent, one byte over", post("/callbacks/gofax/demo", "Content-Length: 1025\r\n", strings.Repeat("a", 1025)), []int{413}},
		{"chunked, one chunk of 2 KiB", post("/callbacks/efax/demo", "Transfer-Encoding: chunked\r\n", "800\r\n"+strings.Repeat("b", 2048)+"\r\n0\r\n\r\n"), []int{413}},
		{"chunked, 2048 chunks of one byte", post("/callbacks/efax/demo", "Transfer-Encoding: chunked\r\n", chunks), []int{413}},
		{"chunked, a chunk declared 2^63-1 bytes", post("/callbacks/efax/demo", "Transfer-Encoding: chunked\r\n", "7fffffffffffffff\r\n"+strings.Repeat("c", 2048)), []int{413}},
		{"a 100 KiB header", post("/callbacks/efax/demo", "X-Big: "+strings.Repeat("d", 100<<10)+"\r\nContent-Length: 2\r\n", "{}"), []int{431, 0}},
		{"8000 headers", post("/callbacks/efax/demo", strings.Repeat("X-Many: e\r\n", 8000)+"Content-Length: 2\r\n", "{}"), []int{431, 0}},
		{"a 100 KiB request target", "GET /callbacks/sfax/demo?faxid=" + strings.Repeat("9", 100<<10) + " HTTP/1.1\r\nHost: ingress.test\r\n\r\n", []int{431, 414, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, _ := h.exchange(tc.payload); !slices.Contains(tc.want, got) {
				t.Fatalf("answer %d, want one of %v (0: closed)", got, tc.want)
			}
		})
	}
	t.Run("chunked 8 MiB from an HTTP client", func(t *testing.T) {
		req := newRequest(t, http.MethodPost, h.base+"/callbacks/efax/demo", "")
		req.Body = io.NopCloser(strings.NewReader(strings.Repeat("0", 8<<20))) // no length: sent chunked
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		if err == nil && resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("answer %d, want 413", resp.StatusCode)
		}
		if err != nil && !isClosed(err) {
			t.Fatalf("want a 413 or a closed connection, got %v", err)
		}
	})
	if n := len(h.envelopes()); n != 0 {
		t.Fatalf("%d envelopes published, want none", n)
	}
}

// TestMalformedFramingNeverPublished: requests whose framing is ambiguous
// or broken, the stuff of request smuggling, are refused, or answered and
// their connection closed: a request hidden after them (a callback to the
// account "other") is never served, and nothing is published but, for
// Transfer-Encoding beside Content-Length, the outer request framed as
// chunked (RFC 9112 §6.1) with an empty body.
func TestMalformedFramingNeverPublished(t *testing.T) {
	h := newHarness(t, func(c *config.Ingress) {
		hostileTimeouts(c)
		c.ReadTimeout = 500 * time.Millisecond // ends the truncated body's wait
	})
	hidden := "POST /callbacks/efax/other HTTP/1.1\r\nHost: ingress.test\r\nContent-Length: 2\r\n\r\n{}"
	tests := []struct {
		name    string
		payload string
		may200  bool // the outer request is well framed by its Transfer-Encoding
	}{
		{"Content-Length and chunked (CL.TE)", post("/callbacks/efax/demo", "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n"+hidden), true},
		{"chunked and Content-Length (TE.CL)", post("/callbacks/efax/demo", "Transfer-Encoding: chunked\r\nContent-Length: 80\r\n", "0\r\n\r\n"+hidden), true},
		{"two different Content-Lengths", post("/callbacks/efax/demo", "Content-Length: 2\r\nContent-Length: 70\r\n", "{}"+hidden), false},
		{"negative Content-Length", post("/callbacks/efax/demo", "Content-Length: -1\r\n", "{}"+hidden), false},
		{"Content-Length not a number", post("/callbacks/efax/demo", "Content-Length: 0x10\r\n", "{}"+hidden), false},
		{"unsupported transfer coding", post("/callbacks/efax/demo", "Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n"+hidden), false},
		{"chunk size not hex", post("/callbacks/efax/demo", "Transfer-Encoding: chunked\r\n", "zz\r\nabc\r\n0\r\n\r\n"+hidden), false},
		{"chunked, truncated", post("/callbacks/efax/demo", "Transfer-Encoding: chunked\r\nConnection: close\r\n", "10\r\nabc"), false},
		{"NUL in a header value", post("/callbacks/efax/demo", "X-Nul: a\x00b\r\nContent-Length: 2\r\n", "{}"+hidden), false},
		{"bare CR in a header", post("/callbacks/efax/demo", "X-A: b\rX-Injected: 1\r\nContent-Length: 2\r\n", "{}"+hidden), false},
		{"header line without a colon", post("/callbacks/efax/demo", "NoColon\r\nContent-Length: 2\r\n", "{}"+hidden), false},
		{"two Host headers", post("/callbacks/efax/demo", "Host: evil.example\r\nContent-Length: 2\r\n", "{}"+hidden), false},
		{"HTTP/1.1 without Host", "POST /callbacks/efax/demo HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}" + hidden, false},
		{"not HTTP", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n" + hidden, false},
	}
	answered200 := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, br := h.exchange(tc.payload)
			if got == http.StatusOK {
				answered200++
			}
			if got == http.StatusOK && !tc.may200 {
				t.Fatal("answered 200 to a malformed request")
			}
			if !closedAfter(t, br) {
				t.Fatal("connection kept open: what follows would be read as another request")
			}
		})
	}
	checkOnlyAccount(t, h, "demo", answered200)
	for _, e := range h.envelopes() {
		if len(e.Body) != 0 {
			t.Errorf("published body %q, want the empty chunked body", e.Body)
		}
	}
}

// slowClient sends head at once, then trickle one byte per interval, until
// the server answers or closes the connection.
type slowClient struct {
	done    chan struct{} // closed once the connection ended, status and err set
	status  int           // the answer, 0 if closed without one
	err     error         // no answer nor close before the deadline
	total   int           // bytes of trickle there were
	written atomic.Int64  // bytes of trickle sent
}

func (h *harness) slowClient(head, trickle string, every time.Duration) *slowClient {
	conn := h.dial()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		h.t.Fatal(err)
	}
	sc := &slowClient{total: len(trickle), done: make(chan struct{})}
	trickled := make(chan struct{})
	h.t.Cleanup(func() { // neither goroutine outlives the test, even a failed one
		_ = conn.Close()
		<-trickled
		<-sc.done
	})
	go func() { // ends when the connection fails, at the latest at its deadline
		defer close(trickled)
		for i := range len(trickle) {
			time.Sleep(every)
			if _, err := io.WriteString(conn, trickle[i:i+1]); err != nil {
				return
			}
			sc.written.Store(int64(i + 1))
		}
	}()
	go func() {
		defer close(sc.done)
		sc.status, sc.err = readAnswer(bufio.NewReader(conn))
		_ = conn.Close()
	}()
	return sc
}

// TestSlowClientsCutOffWhileOthersServed: a client trickling its headers
// and one trickling its body are cut off by the server's timeouts long
// before they finish, nothing of theirs is published, and callbacks of
// other clients are answered 200 in the meantime.
func TestSlowClientsCutOffWhileOthersServed(t *testing.T) {
	h := newHarness(t, hostileTimeouts)
	const every = 100 * time.Millisecond // each trickle would take 40 s or more
	slowHeaders := h.slowClient("GET /callbacks/sfax/demo?faxid=slowloris HTTP/1.1\r\nHost: ingress.test\r\n",
		"X-Slow: "+strings.Repeat("s", 400)+"\r\n\r\n", every)
	slowBody := h.slowClient(post("/callbacks/efax/demo", "Content-Length: 400\r\n", ""), strings.Repeat("b", 400), every)

	served := 0
	for {
		select {
		case <-slowHeaders.done:
		case <-slowBody.done:
		default:
			resp, body := do(t, newRequest(t, http.MethodPost, h.base+"/callbacks/efax/other", fmt.Sprintf(`{"n":%d}`, served)))
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("callback %d beside the slow clients: %d %s", served, resp.StatusCode, body)
			}
			served++
			time.Sleep(20 * time.Millisecond)
			continue
		}
		break
	}
	for name, sc := range map[string]*slowClient{"trickling headers": slowHeaders, "trickling the body": slowBody} {
		<-sc.done
		if sc.err != nil {
			t.Fatalf("%s: %v", name, sc.err)
		}
		if written := sc.written.Load(); written >= int64(sc.total) || sc.status == http.StatusOK {
			t.Errorf("%s: answered %d after %d of %d bytes, want cut off before the end", name, sc.status, written, sc.total)
		}
	}
	if served == 0 {
		t.Fatal("no callback served while the slow clients were connected")
	}
	checkOnlyAccount(t, h, "other", served)
}

// TestIdleConnectionsDoNotStopService: hundreds of connections that send
// nothing, half a request line, or stay open after a callback do not keep
// other callbacks from being answered, and the server closes them all.
func TestIdleConnectionsDoNotStopService(t *testing.T) {
	h := newHarness(t, hostileTimeouts)
	const perKind = 100
	var idle []net.Conn
	for i := range 3 * perKind {
		conn := h.dial()
		switch i % 3 {
		case 1:
			_, _ = io.WriteString(conn, "POST /callbacks/efax/demo HT")
		case 2: // a finished callback, then silence on a kept-alive connection
			_, _ = io.WriteString(conn, post("/callbacks/efax/demo", "Content-Length: 2\r\n", "{}"))
			_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
			if got, err := readAnswer(bufio.NewReader(conn)); err != nil || got != http.StatusOK {
				t.Fatalf("keep-alive callback %d: %d %v", i, got, err)
			}
		}
		idle = append(idle, conn)
	}
	for i := range 50 {
		resp, body := do(t, newRequest(t, http.MethodPost, h.base+"/callbacks/efax/other", fmt.Sprintf(`{"n":%d}`, i)))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("callback %d beside %d idle connections: %d %s", i, len(idle), resp.StatusCode, body)
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for i, conn := range idle {
		_ = conn.SetReadDeadline(deadline)
		// Whatever the server says first (a 400 to half a request line, say),
		// it must then close.
		if _, err := io.Copy(io.Discard, conn); err != nil && !isClosed(err) {
			t.Fatalf("idle connection %d not closed by the server: %v", i, err)
		}
	}
	if got, want := len(h.envelopes()), perKind+50; got != want {
		t.Fatalf("%d envelopes published, want %d", got, want)
	}
}

// checkOnlyAccount fails t unless the stream holds exactly n envelopes,
// all of account.
func checkOnlyAccount(t *testing.T, h *harness, account string, n int) {
	t.Helper()
	envs := h.envelopes()
	for _, e := range envs {
		if e.Account != account {
			t.Errorf("published an envelope of %s/%s (%s?%s), want only %s's", e.Provider, e.Account, e.Path, e.Query, account)
		}
	}
	if len(envs) != n {
		t.Fatalf("%d envelopes published, want %d", len(envs), n)
	}
}
