package config

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Secret is a credential read from an environment variable, a file (a
// mounted Kubernetes Secret, say) or, for demos only, an inline value:
//
//	api_key: {env: SFAX_API_KEY}
//	api_key: {file: /run/secrets/sfax-api-key}
//	api_key: {value: demo-only}
//
// Its value is loaded once by Resolve; it never prints: String, GoString and
// the JSON and YAML encodings all give "[redacted]". A secret the process
// does not use is withheld instead (LoadFor): never read, its source
// forgotten, its value empty.
type Secret struct {
	Env   string `yaml:"env,omitempty"`
	File  string `yaml:"file,omitempty"`
	Value string `yaml:"value,omitempty"`

	resolved string
	set      bool
	withheld bool
}

const redacted = "[redacted]"

// String hides the secret.
func (s Secret) String() string { return redacted }

// GoString hides the secret from %#v.
func (s Secret) GoString() string { return redacted }

// Format hides the secret from every fmt verb (%d and %x included).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalJSON hides the secret.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }

// MarshalYAML hides the secret.
func (s Secret) MarshalYAML() (any, error) { return redacted, nil }

// Reveal returns the secret's value. Call it only where the value is used.
func (s Secret) Reveal() string { return s.resolved }

// IsSet reports whether the secret was configured and resolved to a value.
func (s Secret) IsSet() bool { return s.set && s.resolved != "" }

// Withheld reports whether the loader left the secret unread because the
// process does not use it (see LoadFor and RequireLoaded). Its value is
// empty and its source forgotten.
func (s Secret) Withheld() bool { return s.withheld }

// withhold forgets the secret's source and value: the process does not use
// it, so not even an inline value stays in its memory.
func (s *Secret) withhold() { *s = Secret{withheld: true} }

// Configured reports whether any source was given.
func (s Secret) Configured() bool { return s.Env != "" || s.File != "" || s.Value != "" }

var errSecretSources = errors.New("set exactly one of env, file, value")

// Resolve reads the secret from its source. An unconfigured secret resolves
// to empty; a configured one that is empty or unreadable is an error.
func (s *Secret) Resolve(getenv func(string) string) error {
	n := 0
	for _, v := range []string{s.Env, s.File, s.Value} {
		if v != "" {
			n++
		}
	}
	switch {
	case n == 0:
		return nil
	case n > 1:
		return errSecretSources
	}
	v, err := s.read(getenv)
	if err != nil {
		return err
	}
	if v == "" {
		return errors.New("resolves to an empty value")
	}
	s.resolved, s.set = v, true
	return nil
}

func (s *Secret) read(getenv func(string) string) (string, error) {
	switch {
	case s.Env != "":
		v := getenv(s.Env)
		if v == "" {
			return "", fmt.Errorf("environment variable %s is not set", s.Env)
		}
		return v, nil
	case s.File != "":
		b, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("read secret file: %w", err)
		}
		// Files written by editors and `echo` end with a newline that is not
		// part of the secret.
		return strings.TrimRight(string(b), "\r\n"), nil
	default:
		return s.Value, nil
	}
}

// Literal returns a Secret holding v, for tests and generated configuration.
func Literal(v string) Secret { return Secret{Value: v, resolved: v, set: v != ""} }
