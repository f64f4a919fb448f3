package sfax

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// credentialChecker checks the Sfax accounts' API credentials with the
// lister's own request.
type credentialChecker struct {
	l *lister
}

// NewCredentialChecker returns the docfetch.CredentialChecker of the Sfax
// accounts. It fails as NewLister does.
func NewCredentialChecker(accounts []Account, opts docfetch.Options) (docfetch.CredentialChecker, error) {
	l, err := NewLister(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &credentialChecker{l: l.(*lister)}, nil
}

// checkWindowAge is how old the one second CheckCredentials lists is:
// a minute, so that the listing holds next to nothing.
const checkWindowAge = time.Minute

// CheckCredentials lists account's faxes received in one second a minute
// ago (GET /api/ReceiveInboundFax, always dated, so that Sfax's shared
// watermark never moves) with a token made now of the account's user
// name, API key, encryption key and init vector: a wrong one, or a clock
// further from Sfax's than the token's 15 minutes, is refused. Sfax's
// refusal, a 401 or 403 or an answer isSuccess false (its way of
// answering errors; a dated listing is otherwise well formed [?]), wraps
// docfetch.ErrUnauthorized; the faxes listed, if any, are ignored.
func (c *credentialChecker) CheckCredentials(ctx context.Context, account string) error {
	acc, ok := c.l.accounts[account]
	if !ok {
		return fmt.Errorf("sfax account %q: %w", account, docfetch.ErrUnknownAccount)
	}
	end := c.l.opts.Clock()().Add(-checkWindowAge).Truncate(time.Second)
	_, err := c.l.page(ctx, acc, listQuery(end.Add(-time.Second), end))
	if errors.Is(err, errListingRefused) {
		return fmt.Errorf("%w: %w", docfetch.ErrUnauthorized, err)
	}
	return docfetch.Unauthorized(err)
}
