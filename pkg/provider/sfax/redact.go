package sfax

import (
	"errors"
	"net/url"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// scrub returns err with every secret (a request's token and API key, as
// is or percent-encoded) cut out of its text, so that it can be logged:
// the start of an error answer (docfetch.StatusError.Message) or a
// provider message may echo the request. errors.Is and errors.As still
// see err's chain; nil stays nil.
func scrub(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	var se *docfetch.StatusError
	if errors.As(err, &se) {
		se.Message = redact(se.Message, secrets)
	}
	msg := err.Error()
	if clean := redact(msg, secrets); clean != msg {
		return &scrubbed{msg: clean, err: err}
	}
	return err
}

// redact replaces each non-empty secret in s, as is or percent-encoded
// (query and path escaping), with "[redacted]".
func redact(s string, secrets []string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret)} {
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	return s
}

// scrubbed is an error whose text had secrets cut out.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }
