package gofax

import (
	"errors"
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/form"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// adapter verifies and normalizes the callbacks of the GoFax accounts.
type adapter struct {
	accounts map[string]Account
	digester *fax.Digester
}

// NewNormalizer returns the fax.Normalizer of the GoFax accounts in accounts,
// checking credential digests with d. It fails on a nil digester, a
// repeated account id, or a verifying account without a complete
// credential (Basic auth with its password, or a URL secret with its value).
func NewNormalizer(accounts []Account, d *fax.Digester) (fax.Normalizer, error) {
	if d == nil {
		return nil, errors.New("gofax: a digester is required")
	}
	byID, err := providerdef.Index(accounts, func(acc Account) (Account, error) { return acc, checkAccount(acc) })
	if err != nil {
		return nil, err
	}
	return &adapter{accounts: byID, digester: d}, nil
}

// Normalize checks a GoFax callback's credentials — Basic auth or the URL
// secret — unless its account has verification off, and maps it to an
// event. Fields are read from the form body and then the query string, to
// which GoFax appends them when the configured URL has parameters [doc];
// the URL secret and EventParam are read from the query string only and
// never reach provider_fields. Credentials are checked before any field,
// as in Verify.
func (a *adapter) Normalize(raw fax.RawMessage) (fax.Event, error) {
	acc, err := a.account(raw)
	if err != nil {
		return fax.Event{}, err
	}
	query := form.Parse(raw.Envelope.Query)
	cred := credentialsOf(raw.Envelope, acc, query)
	if acc.Verifies() {
		if err := cred.verify(acc, a.digester); err != nil {
			return fax.Event{}, err
		}
	}
	kind := query.Take(EventParam)
	if err := query.Err(); err != nil {
		return fax.Event{}, err
	}
	fields := form.Parse(string(raw.Envelope.Body))
	fields.Merge(query)
	return normalize(raw, kind, fields)
}

// Verify checks a GoFax callback's credentials as Normalize does
// (fax.Verifier). A URL secret sent twice with different values matches
// nothing: credentials_mismatch.
func (a *adapter) Verify(raw fax.RawMessage) error {
	acc, err := a.account(raw)
	if err != nil || !acc.Verifies() {
		return err
	}
	return credentialsOf(raw.Envelope, acc, form.Parse(raw.Envelope.Query)).verify(acc, a.digester)
}

// account is the configured account of raw's envelope, which must be a
// webhook's: GoFax has no listing API.
func (a *adapter) account(raw fax.RawMessage) (Account, error) {
	if err := fax.CheckEnvelope(raw, fax.GoFax); err != nil {
		return Account{}, err
	}
	acc, ok := a.accounts[raw.Envelope.Account]
	if !ok {
		return Account{}, fmt.Errorf("gofax account %q: %w", raw.Envelope.Account, fax.ReasonUnknownAccount)
	}
	if raw.Envelope.FromAPI() {
		return Account{}, fmt.Errorf("gofax has no listing API, so no envelope comes from it: %w", fax.ReasonMalformed)
	}
	return acc, nil
}

// credentialsOf takes what env presents as acc's credentials: the
// Authorization header and the URL secret, taken out of query whatever the
// verification setting so that it never reaches provider_fields.
func credentialsOf(env *fax.Envelope, acc Account, query *form.Fields) credentials {
	cred := credentials{authorization: env.HeaderValues("Authorization")}
	if acc.URLSecret.Param != "" {
		cred.secretSent = query.Count(acc.URLSecret.Param) > 0
		cred.secret = query.Take(acc.URLSecret.Param)
	}
	return cred
}

// checkAccount refuses a verifying account whose credentials are missing or
// half configured: an empty password or secret is one anybody can present.
func checkAccount(acc Account) error {
	hasBasic, hasURL := acc.BasicAuth.Username != "", acc.URLSecret.Param != ""
	switch {
	case !acc.Verifies():
		return nil
	case hasBasic && acc.BasicAuth.Password.Reveal() == "":
		return fmt.Errorf("gofax: account %q has a Basic auth user without a password", acc.ID)
	case hasURL && acc.URLSecret.Value.Reveal() == "":
		return fmt.Errorf("gofax: account %q has a URL secret parameter without a value", acc.ID)
	case !hasBasic && !hasURL:
		return fmt.Errorf("gofax: account %q verifies callbacks but has no Basic auth or URL secret", acc.ID)
	}
	return nil
}
