package config

import (
	neturl "net/url"
	"strings"
)

// RedactURL is u with its user information (a user and password, or a
// NATS token standing alone) replaced by "xxxxx", for messages people read.
// A URL that does not parse loses everything between "//" and its last "@".
func RedactURL(u string) string {
	if pu, err := neturl.Parse(u); err == nil {
		if pu.User != nil {
			pu.User = neturl.User("xxxxx")
		}
		return pu.String()
	}
	_, rest, ok := strings.Cut(u, "//")
	if at := strings.LastIndex(rest, "@"); ok && at >= 0 {
		return u[:len(u)-len(rest)] + "xxxxx" + rest[at:]
	}
	return u
}
