package efax

import (
	"context"
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// credentialChecker checks the eFax accounts' client credentials.
type credentialChecker struct {
	accounts map[string]*apiClient
}

// NewCredentialChecker returns the docfetch.CredentialChecker of the eFax
// accounts. It fails as NewDocumentClient does.
func NewCredentialChecker(accounts []Account, opts docfetch.Options) (docfetch.CredentialChecker, error) {
	clients, err := newAPIClients(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &credentialChecker{accounts: clients}, nil
}

// CheckCredentials obtains a new API token for account's app: POST
// {api_base_url}/tokens with app_id and api_key [doc], the call every
// other one depends on. A 401 or 403 wraps docfetch.ErrUnauthorized. eFax
// keeps one token per app, so the new token replaces the one the services
// hold: each of them refreshes its own on its next call (one 401 each,
// which they expect).
func (c *credentialChecker) CheckCredentials(ctx context.Context, account string) error {
	acc, ok := c.accounts[account]
	if !ok {
		return fmt.Errorf("efax account %q: %w", account, docfetch.ErrUnknownAccount)
	}
	_, err := acc.tokens.refresh(ctx, acc.opts, account)
	return docfetch.Unauthorized(err)
}
