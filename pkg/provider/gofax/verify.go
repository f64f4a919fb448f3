package gofax

import (
	"encoding/base64"
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// credentials are what a GoFax callback presented, as digests made by the
// ingress: the Authorization header values and the URL secret.
type credentials struct {
	authorization []string
	secret        string
	secretSent    bool
}

// verify accepts the callback when it presents at least one credential the
// account configures and every such credential it presents is the
// account's: the Authorization header must be exactly
// "Basic base64(username:password)" and the URL secret its configured
// value, each compared by digest in constant time. Anything else is
// credentials_mismatch. An Authorization header on an account without
// Basic auth is ignored (a proxy's, say).
func (c credentials) verify(acc Account, d *fax.Digester) error {
	presented := 0
	if acc.BasicAuth.Username != "" && len(c.authorization) > 0 {
		presented++
		if len(c.authorization) != 1 || !d.Matches(c.authorization[0], basicAuth(acc.BasicAuth)) {
			return fmt.Errorf("gofax Authorization header is not the account's Basic credentials: %w", fax.ReasonCredentialsMismatch)
		}
	}
	if acc.URLSecret.Param != "" && c.secretSent {
		presented++
		if !d.Matches(c.secret, acc.URLSecret.Value.Reveal()) {
			return fmt.Errorf("gofax URL secret %q is not the account's: %w", acc.URLSecret.Param, fax.ReasonCredentialsMismatch)
		}
	}
	if presented == 0 {
		return fmt.Errorf("gofax callback presents none of the account's credentials: %w", fax.ReasonCredentialsMismatch)
	}
	return nil
}

// basicAuth is the Authorization header value of b, as HTTP clients send it.
func basicAuth(b BasicAuth) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(b.Username+":"+b.Password.Reveal()))
}
