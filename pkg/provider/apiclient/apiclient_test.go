package apiclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// counting is a test server that counts the requests it receives.
type counting struct {
	*httptest.Server
	hits atomic.Int64
}

func newCounting(t *testing.T, h http.HandlerFunc) *counting {
	c := &counting{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.hits.Add(1)
		h(w, r)
	}))
	t.Cleanup(c.Close)
	return c
}

func clientConfig(allowPrivate bool) Options {
	return Options{AllowPrivateNetworks: allowPrivate, RequestTimeout: 5 * time.Second, StallTimeout: 200 * time.Millisecond, MaxConnsPerHost: 8}
}

func get(t *testing.T, hc *http.Client, url string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	_, err = io.ReadAll(resp.Body)
	return err
}

func TestHTTPClientRefusesForgedRequests(t *testing.T) {
	hostile := newCounting(t, func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "secret") })
	good := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/elsewhere":
			http.Redirect(w, r, hostile.URL+"/x", http.StatusFound)
		case "/here":
			http.Redirect(w, r, "/doc", http.StatusFound)
		default:
			_, _ = io.WriteString(w, "ok")
		}
	})
	localhostURL := strings.Replace(hostile.URL, "127.0.0.1", "localhost", 1)
	tests := []struct {
		name         string
		allowPrivate bool
		bases        []string
		url          string
		wantErr      bool
	}{
		{"configured host", true, []string{good.URL}, good.URL + "/doc", false},
		{"redirect on the same host", true, []string{good.URL}, good.URL + "/here", false},
		{"host not configured", true, []string{good.URL}, hostile.URL + "/x", true},
		{"redirect to another host", true, []string{good.URL}, good.URL + "/elsewhere", true},
		{"plain HTTP to an HTTPS API", true, []string{strings.Replace(hostile.URL, "http:", "https:", 1)}, hostile.URL + "/x", true},
		{"user info", true, []string{hostile.URL}, strings.Replace(hostile.URL, "http://", "http://u:p@", 1), true},
		{"loopback IP refused", false, []string{hostile.URL}, hostile.URL + "/x", true},
		{"name resolving to loopback refused", false, []string{localhostURL}, localhostURL + "/x", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hostile.hits.Load()
			hc, err := New(clientConfig(tt.allowPrivate), tt.bases, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = get(t, hc, tt.url)
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("GET %s: %v", tt.url, err)
				}
				return
			}
			if !errors.Is(err, ErrUntrustedDestination) {
				t.Fatalf("GET %s: %v, want %v", tt.url, err, ErrUntrustedDestination)
			}
			if got := hostile.hits.Load() - before; got != 0 {
				t.Fatalf("the hostile server received %d requests, want 0", got)
			}
		})
	}
}

func TestPublicAddr(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"8.8.8.8", true}, {"2606:4700::1111", true},
		{"127.0.0.1", false}, {"::1", false}, {"10.1.2.3", false}, {"172.16.0.1", false},
		{"192.168.1.1", false}, {"169.254.169.254", false}, {"fe80::1", false}, {"fc00::1", false},
		{"0.0.0.0", false}, {"100.64.0.1", false}, {"224.0.0.1", false}, {"::", false},
	}
	for _, tt := range tests {
		if got := publicAddr(netip.MustParseAddr(tt.addr).Unmap()); got != tt.want {
			t.Errorf("publicAddr(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
	// An IPv4-mapped loopback is loopback once unmapped, as guardAddress does.
	if err := guardAddress(false)("tcp", "[::ffff:127.0.0.1]:443", nil); !errors.Is(err, ErrUntrustedDestination) {
		t.Errorf("IPv4-mapped loopback: %v, want refused", err)
	}
}

func TestGuardAddressRefusesMetadataAlways(t *testing.T) {
	tests := []struct {
		addr         string // host:port as the dialer sees it
		allowPrivate bool
		wantRefused  bool
	}{
		// Cloud metadata and link-local: refused even with allowPrivate.
		{"169.254.169.254:80", true, true},
		{"169.254.170.2:80", true, true},
		{"169.254.0.1:443", true, true},
		{"100.100.100.200:80", true, true},
		{"[fd00:ec2::254]:80", true, true},
		{"[fe80::1]:80", true, true},
		{"[fe80::1%eth0]:80", true, true},
		{"[febf::1]:80", true, true},
		{"[::ffff:169.254.169.254]:80", true, true},
		{"[::ffff:100.100.100.200]:80", true, true},
		{"[64:ff9b::a9fe:a9fe]:80", true, true},   // NAT64 of 169.254.169.254
		{"[64:ff9b::6464:64c8]:80", true, true},   // NAT64 of 100.100.100.200
		{"[64:ff9b:1::a9fe:a9fe]:80", true, true}, // local-use NAT64
		{"[::a9fe:a9fe]:80", true, true},          // IPv4-compatible
		{"169.254.169.254:80", false, true},
		{"[64:ff9b::a9fe:a9fe]:80", false, true},
		// Loopback, RFC 1918 and ULA: allowed with allowPrivate only.
		{"127.0.0.1:9601", true, false},
		{"[::1]:9601", true, false},
		{"[::ffff:127.0.0.1]:9601", true, false},
		{"10.1.2.3:443", true, false},
		{"172.16.0.1:443", true, false},
		{"192.168.1.1:443", true, false},
		{"[fd00::1]:443", true, false},
		{"[fd00:ec2::253]:443", true, false},
		{"100.100.100.201:443", true, false},
		{"127.0.0.1:9601", false, true},
		{"10.1.2.3:443", false, true},
		{"[fd00::1]:443", false, true},
		// Public: allowed either way.
		{"8.8.8.8:443", false, false},
		{"8.8.8.8:443", true, false},
		{"[2606:4700::1111]:443", false, false},
	}
	for _, tt := range tests {
		err := guardAddress(tt.allowPrivate)("tcp", tt.addr, nil)
		if refused := errors.Is(err, ErrUntrustedDestination); refused != tt.wantRefused {
			t.Errorf("guardAddress(allowPrivate=%v)(%s) = %v, want refused=%v", tt.allowPrivate, tt.addr, err, tt.wantRefused)
		}
	}
}

func TestHTTPClientAbortsStalledBody(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	srv := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "%PDF-1.4 part")
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	hc, err := New(clientConfig(true), []string{srv.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = get(t, hc, srv.URL)
	if !errors.Is(err, ErrStalled) {
		t.Fatalf("error %v, want %v", err, ErrStalled)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Fatalf("stall detected after %v, want about the 200ms stall timeout", took)
	}
}
