package gofax

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// probeFaxID is the fax CheckCredentials asks for: no fax has it.
const probeFaxID = "0"

// credentialChecker checks the GoFax accounts' API tokens with the
// document client's own request.
type credentialChecker struct {
	c *documentClient
}

// NewCredentialChecker returns the docfetch.CredentialChecker of the GoFax
// accounts. It fails as NewDocumentClient does.
func NewCredentialChecker(accounts []Account, opts docfetch.Options) (docfetch.CredentialChecker, error) {
	c, err := NewDocumentClient(accounts, opts)
	if err != nil {
		return nil, err
	}
	return &credentialChecker{c: c.(*documentClient)}, nil
}

// CheckCredentials asks for the document of a fax that does not exist
// (GET /v1.0/ReceiveFax/0/Document?token=…): GoFax has no cheaper call
// that takes the token, and answers a missing or wrong one 401 with an
// empty body [doc]. A 401 or 403 wraps docfetch.ErrUnauthorized. Any other
// answer of the client's own making (4xx but 408 and 429: no such fax, a
// bad fax id) means the token got past authentication [?], as does a
// document, which is not read; 408, 429 and 5xx say nothing either way
// and are returned as they are.
func (cc *credentialChecker) CheckCredentials(ctx context.Context, account string) error {
	acc, ok := cc.c.accounts[account]
	if !ok {
		return fmt.Errorf("gofax account %q: %w", account, docfetch.ErrUnknownAccount)
	}
	resp, err := docfetch.Get(ctx, cc.c.opts.HTTP, documentURL(acc, probeFaxID), nil, cc.c.opts.Clock()())
	if err == nil {
		return resp.Body.Close()
	}
	var se *docfetch.StatusError
	if !errors.As(err, &se) {
		return err
	}
	// The answer's start goes to the report: never with the token in it.
	se.Message = strings.ReplaceAll(se.Message, acc.APIToken.Reveal(), "[token]")
	switch c := se.Code; {
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		return docfetch.Unauthorized(err)
	case c >= 400 && c < 500 && c != http.StatusRequestTimeout && c != http.StatusTooManyRequests:
		return nil
	}
	return err
}
