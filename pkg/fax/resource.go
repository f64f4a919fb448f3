package fax

import (
	"fmt"
	"net/url"
	"strings"
)

// TrustedURL parses raw, a document URL a provider sent, and accepts it only
// if it points at the provider API apiBase: scheme https (http only when
// apiBase itself was configured as http, e.g. a local simulator), no user
// info, and the same host and port as apiBase (the scheme's default when
// absent), host names compared case-insensitively and nothing else. So a URL naming another host, an IP
// literal for a named host, or a user-info trick such as
// https://api.example.com@evil.example/ is refused with
// ReasonUntrustedResourceURL. The downloader fetches only what this accepts.
func TrustedURL(raw, apiBase string) (*url.URL, error) {
	base, err := url.Parse(apiBase)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("API base URL %q is not an absolute URL: %w", apiBase, ReasonUntrustedResourceURL)
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return nil, fmt.Errorf("resource URL does not parse: %w", ReasonUntrustedResourceURL)
	case !strings.EqualFold(u.Scheme, "https") && (!strings.EqualFold(u.Scheme, "http") || base.Scheme != "http"):
		return nil, fmt.Errorf("resource URL scheme %q is not https: %w", u.Scheme, ReasonUntrustedResourceURL)
	case u.User != nil:
		return nil, fmt.Errorf("resource URL carries user info: %w", ReasonUntrustedResourceURL)
	case !sameHost(u, base):
		return nil, fmt.Errorf("resource URL host %q is not the API host %q: %w", u.Host, base.Host, ReasonUntrustedResourceURL)
	}
	return u, nil
}

func sameHost(u, base *url.URL) bool {
	return u.Hostname() != "" &&
		strings.EqualFold(u.Hostname(), base.Hostname()) &&
		port(u) == port(base)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "http") {
		return "80"
	}
	return "443"
}
