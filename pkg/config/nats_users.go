package config

import (
	"crypto/subtle"
	"fmt"
	"slices"
	"strings"
)

// NATSRoles are the roles an embedded server's user may have; pkg/stream
// gives each its permissions (stream.Roles, which a test keeps equal).
var NATSRoles = []string{"ingress", "processor", "downloader", "reconciler", "consumer", "admin"}

// minNATSPassword is the shortest password of an embedded server's user.
const minNATSPassword = 12

// validateNATSUsers checks the embedded server's users and, when this
// process runs that server (no nats.url), that it connects as one of its
// admins.
func (c *Config) validateNATSUsers(ck *Checker) {
	seen := map[string]bool{}
	for i, u := range c.NATS.Embedded.Users {
		field := fmt.Sprintf("nats.embedded.users[%d]", i)
		ck.Check(isToken(u.User), field+".user", "must be letters, digits, '-' or '_'")
		ck.Check(!seen[u.User], field+".user", "duplicate user %q", u.User)
		seen[u.User] = true
		ck.Check(len(u.Password.Reveal()) >= minNATSPassword, field+".password", "must be set and at least %d bytes", minNATSPassword)
		ck.Check(slices.Contains(NATSRoles, u.Role), field+".role", "%q is not a role (one of %s)", u.Role, strings.Join(NATSRoles, ", "))
	}
	if p := c.NATS.InboxPrefix; p != "" {
		ck.Check(validInboxPrefix(p), "nats.inbox_prefix", "%q is not a subject prefix such as _INBOX.consumer (tokens of letters, digits, '-' or '_', joined by dots)", p)
	}
	if len(c.NATS.Embedded.Users) == 0 || c.NATS.URL != "" {
		return
	}
	// The embedded server requires authentication: faxpipe all, which
	// creates the topology and runs every service, and the tools connect
	// as an admin.
	i := slices.IndexFunc(c.NATS.Embedded.Users, func(u EmbeddedUser) bool { return u.User == c.NATS.User })
	switch {
	case c.NATS.User == "":
		ck.Fail("nats.user", "must name an admin of nats.embedded.users: the embedded server requires authentication")
	case i < 0:
		ck.Fail("nats.user", "%q is not one of nats.embedded.users", c.NATS.User)
	case c.NATS.Embedded.Users[i].Role != "admin":
		ck.Fail("nats.user", "%q has role %s; `faxpipe all` and the tools need an admin", c.NATS.User, c.NATS.Embedded.Users[i].Role)
	case c.NATS.Embedded.Users[i].Password.Withheld():
		// A tool connecting to `faxpipe all`'s server does not load the
		// server's own secrets: the server checks the password.
	case subtle.ConstantTimeCompare([]byte(c.NATS.Password.Reveal()), []byte(c.NATS.Embedded.Users[i].Password.Reveal())) != 1:
		ck.Fail("nats.password", "is not the password of nats.embedded.users[%d] (%s)", i, c.NATS.User)
	}
}

// validInboxPrefix reports whether p is a literal subject: tokens joined by
// dots, without wildcards.
func validInboxPrefix(p string) bool {
	for _, t := range strings.Split(p, ".") {
		if !isToken(t) {
			return false
		}
	}
	return true
}
