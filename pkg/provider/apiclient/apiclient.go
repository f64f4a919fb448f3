// Package apiclient is the only HTTP client faxpipe talks to provider APIs
// with — the downloader's document fetches and the reconciler's listings:
// the guard against server-side request forgery and stalled answers.
package apiclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrUntrustedDestination is a request the forgery guard refused: a host that
// is no configured API host, plain HTTP to an HTTPS API, a redirect to
// another host, an address in a private range, or a cloud metadata address.
// Permanent.
var ErrUntrustedDestination = errors.New("untrusted destination")

// Options bound the client's requests.
type Options struct {
	RequestTimeout time.Duration // one request, body included
	StallTimeout   time.Duration // no body byte for this long aborts the request
	// AllowPrivateNetworks lets the client reach loopback and private
	// addresses (a local simulator). Cloud metadata addresses stay refused.
	AllowPrivateNetworks bool
	MaxConnsPerHost      int // idle connections kept per host
}

// New returns an HTTP client of provider APIs. Every
// request, redirect hop and token request must go to the scheme and host of
// one of bases (HTTPS unless that base is explicitly http://); redirects
// stay on their host; connections to loopback, private, link-local and
// other non-public addresses are refused at dial time, after DNS
// resolution, unless cfg.AllowPrivateNetworks; cloud metadata and
// link-local addresses are refused even then; requests time out after
// cfg.RequestTimeout, and a body that stalls for cfg.StallTimeout aborts.
// No proxy from the environment is used.
func New(cfg Options, bases []string, tlsConfig *tls.Config) (*http.Client, error) {
	allowed, err := allowlist(bases)
	if err != nil {
		return nil, err
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second,
		Control: guardAddress(cfg.AllowPrivateNetworks)}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        tlsConfig,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxIdleConnsPerHost:    cfg.MaxConnsPerHost,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		ForceAttemptHTTP2:      true,
	}
	return &http.Client{
		Transport:     &guardTransport{allowed: allowed, next: &stallTransport{next: tr, timeout: cfg.StallTimeout}},
		CheckRedirect: sameHostRedirect,
		Timeout:       cfg.RequestTimeout,
	}, nil
}

// origin is a URL's scheme and host:port, the unit the allowlist holds.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(net.JoinHostPort(u.Hostname(), portOf(u)))
}

// allowlist is the set of origins of bases, which must be http or https.
func allowlist(bases []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, b := range bases {
		u, err := url.Parse(b)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return nil, fmt.Errorf("API base URL %q is not an absolute http(s) URL", b)
		}
		out[origin(u)] = true
	}
	return out, nil
}

// guardTransport refuses every request whose origin is not allowed.
type guardTransport struct {
	allowed map[string]bool
	next    http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (g *guardTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.User != nil || !g.allowed[origin(req.URL)] {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, fmt.Errorf("%s://%s is not a configured API origin: %w", req.URL.Scheme, req.URL.Host, ErrUntrustedDestination)
	}
	return g.next.RoundTrip(req)
}

// sameHostRedirect follows a redirect only to the scheme and host of the
// first request, at most 5 times.
func sameHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return fmt.Errorf("more than 5 redirects: %w", ErrUntrustedDestination)
	}
	if origin(req.URL) != origin(via[0].URL) {
		return fmt.Errorf("redirect from %s to %s://%s: %w", via[0].URL.Host, req.URL.Scheme, req.URL.Host, ErrUntrustedDestination)
	}
	return nil
}

// blockedPrefixes are ranges that are never a provider's public API,
// beside those netip classifies (loopback, private, link-local, …).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),     // "this" network
	netip.MustParsePrefix("100.64.0.0/10"), // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),  // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"), // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),   // reserved, broadcast
	netip.MustParsePrefix("64:ff9b::/96"),  // NAT64, may embed a private IPv4
	netip.MustParsePrefix("2001:db8::/32"), // documentation
}

// metadataPrefixes are the cloud instance metadata endpoints and the
// link-local ranges they live in: refused even with AllowPrivateNetworks,
// since they hand out the host's cloud credentials.
var metadataPrefixes = []netip.Prefix{
	netip.MustParsePrefix("169.254.0.0/16"),     // IPv4 link-local: AWS, GCP, Azure, OCI 169.254.169.254, ECS 169.254.170.2
	netip.MustParsePrefix("100.100.100.200/32"), // Alibaba Cloud
	netip.MustParsePrefix("fe80::/10"),          // IPv6 link-local
	netip.MustParsePrefix("fd00:ec2::254/128"),  // AWS IPv6
}

// embeddingPrefixes are IPv6 ranges whose last 32 bits carry an IPv4
// address a connection may end up at: NAT64 (well-known and local-use)
// and the deprecated IPv4-compatible form. (IPv4-mapped is unmapped.)
var embeddingPrefixes = []netip.Prefix{
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("::/96"),
}

// metadataAddr reports whether a, or an IPv4 address it embeds, is a cloud
// metadata or link-local address.
func metadataAddr(a netip.Addr) bool {
	a = a.Unmap().WithZone("") // a zoned address matches no prefix
	cands := []netip.Addr{a}
	if a.Is6() {
		for _, p := range embeddingPrefixes {
			if p.Contains(a) {
				b := a.As16()
				cands = append(cands, netip.AddrFrom4([4]byte(b[12:16])))
			}
		}
	}
	for _, c := range cands {
		for _, p := range metadataPrefixes {
			if p.Contains(c) {
				return true
			}
		}
	}
	return false
}

// guardAddress returns a net.Dialer Control that refuses cloud metadata
// addresses always and other non-public addresses unless allowPrivate. It
// sees the resolved IP, so a public name resolving to loopback is refused
// too.
func guardAddress(allowPrivate bool) func(network, address string, _ syscall.RawConn) error {
	return func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("dial %s: %w", address, ErrUntrustedDestination)
		}
		a := ap.Addr().Unmap()
		if metadataAddr(a) {
			return fmt.Errorf("dial %s: a cloud metadata or link-local address: %w", address, ErrUntrustedDestination)
		}
		if !allowPrivate && !publicAddr(a) {
			return fmt.Errorf("dial %s: a non-public address: %w", address, ErrUntrustedDestination)
		}
		return nil
	}
}

func publicAddr(a netip.Addr) bool {
	if a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
