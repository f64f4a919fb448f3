package docfetch

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// CredentialChecker checks accounts' API credentials against the
// provider's API (`faxpipe doctor`), by the cheapest call that the API
// authenticates.
type CredentialChecker interface {
	// CheckCredentials makes one authenticated call as account and returns
	// nil when the provider accepted its credentials. An error wrapping
	// ErrUnauthorized means the provider refused them (a wrong key, token
	// or secret); ErrUnknownAccount, an account the checker was not built
	// with; any other error (network, 5xx, apiclient.ErrUntrustedDestination)
	// means the check could not tell. It blocks until the answer or ctx's
	// end; no error carries a credential.
	CheckCredentials(ctx context.Context, account string) error
}

// ErrUnauthorized is the provider refusing an account's API credentials
// (HTTP 401 or 403, or the provider's own word for it).
var ErrUnauthorized = errors.New("the provider refused the account's API credentials")

// Unauthorized wraps err with ErrUnauthorized when it is a *StatusError of
// 401 or 403, the answer that refuses credentials; any other err is
// returned as it is.
func Unauthorized(err error) error {
	var se *StatusError
	if errors.As(err, &se) && (se.Code == http.StatusUnauthorized || se.Code == http.StatusForbidden) {
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return err
}
