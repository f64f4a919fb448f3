package audit

import (
	"errors"
	"os"
	"os/user"
)

// LocalActor is the actor of an operator tool run on this machine: named
// configured (audit.actor) when set, else after the operating system user
// running it; Host is this machine's hostname. It fails when neither gives a
// name: an access nobody can be named for is refused.
func LocalActor(configured, program string) (Actor, error) {
	name := configured
	if name == "" {
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
	}
	if name == "" {
		return Actor{}, errors.New("audit: no actor: set audit.actor (FAXPIPE_AUDIT_ACTOR) to who is running this tool")
	}
	host, _ := os.Hostname()
	return Actor{Name: name, Program: program, Host: host}, nil
}
