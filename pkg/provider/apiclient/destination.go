package apiclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// CheckDestination tells ahead of any request whether the client New
// builds with cfg would reach base, an API base URL: an absolute http(s)
// URL without user info, each address its host resolves to now allowed
// by the dial-time rules (cloud metadata and link-local never; loopback,
// private and other non-public addresses only with
// cfg.AllowPrivateNetworks). A refusal wraps ErrUntrustedDestination; a
// host that does not resolve is the resolver's error.
func CheckDestination(ctx context.Context, cfg Options, base string) error {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("%q is not an absolute http(s) URL: %w", base, ErrUntrustedDestination)
	}
	if u.User != nil {
		return fmt.Errorf("an API base URL with user info: %w", ErrUntrustedDestination)
	}
	port, err := strconv.ParseUint(portOf(u), 10, 16)
	if err != nil {
		return fmt.Errorf("%s: bad port: %w", u.Host, ErrUntrustedDestination)
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil {
		return fmt.Errorf("resolve %s: %w", u.Hostname(), err)
	}
	guard := guardAddress(cfg.AllowPrivateNetworks)
	var errs []error
	for _, a := range addrs {
		errs = append(errs, guard("tcp", netip.AddrPortFrom(a.Unmap(), uint16(port)).String(), nil))
	}
	return errors.Join(errs...)
}

// portOf is u's port, or its scheme's (http 80, https 443; "" for
// another scheme).
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return map[string]string{"http": "80", "https": "443"}[strings.ToLower(u.Scheme)]
}
