package sfax

import (
	"errors"
	"fmt"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/form"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// DefaultTokenWindow is how far GenDT may be from the receipt time when an
// account sets no token window: Sfax tokens are valid for 15 minutes.
const DefaultTokenWindow = 15 * time.Minute

// adapter verifies and normalizes the callbacks of the Sfax accounts.
type adapter struct {
	accounts map[string]Account
	digester *fax.Digester
}

// NewNormalizer returns the fax.Normalizer of the Sfax accounts in accounts,
// checking API key digests with d. It fails on a nil digester, a repeated
// account id, or a verifying account without a user name and API key, or
// whose encryption key is not 32 bytes or whose init vector is not 16.
func NewNormalizer(accounts []Account, d *fax.Digester) (fax.Normalizer, error) {
	if d == nil {
		return nil, errors.New("sfax: a digester is required")
	}
	byID, err := providerdef.Index(accounts, func(acc Account) (Account, error) {
		if err := checkAccount(acc); err != nil {
			return acc, err
		}
		if acc.TokenWindow <= 0 {
			acc.TokenWindow = DefaultTokenWindow
		}
		return acc, nil
	})
	if err != nil {
		return nil, err
	}
	return &adapter{accounts: byID, digester: d}, nil
}

// Normalize verifies an Sfax callback — token, API key, token age — unless
// its account has verification off, and maps it to an event. An envelope
// from Sfax's API (the reconciler's) is checked by its seal instead and
// mapped to the event its callback would have given (listed.go). Every field is
// read from the query string, where Sfax puts them [doc]; a body is ignored.
// Verification comes before any other check of the fields, as in Verify.
func (a *adapter) Normalize(raw fax.RawMessage) (fax.Event, error) {
	acc, err := a.account(raw)
	if err != nil {
		return fax.Event{}, err
	}
	if raw.Envelope.FromAPI() {
		// The reconciler's envelope: its seal stands for the callback's
		// token, whatever the account's verification setting.
		if err := a.digester.CheckSeal(raw.Envelope); err != nil {
			return fax.Event{}, err
		}
		return normalizeListed(raw)
	}
	fields := form.Parse(raw.Envelope.Query)
	// Taken whatever the verification setting, so that neither credential
	// reaches provider_fields.
	token, apikey := fields.Take("token"), fields.Take("apikey")
	if acc.Verifies() {
		if err := verify(acc, token, apikey, raw.Envelope.ReceivedAt, a.digester); err != nil {
			return fax.Event{}, err
		}
	}
	if err := fields.Err(); err != nil {
		return fax.Event{}, err
	}
	return normalize(raw, fields)
}

// Verify checks an Sfax callback's token and API key as Normalize does
// (fax.Verifier). A token or apikey sent twice with different values is
// none at all: signature_invalid or credentials_mismatch.
func (a *adapter) Verify(raw fax.RawMessage) error {
	acc, err := a.account(raw)
	if err != nil {
		return err
	}
	if raw.Envelope.FromAPI() {
		return fmt.Errorf("an envelope from Sfax's API is no callback to verify: %w", fax.ReasonSignatureInvalid)
	}
	if !acc.Verifies() {
		return nil
	}
	fields := form.Parse(raw.Envelope.Query)
	return verify(acc, fields.Take("token"), fields.Take("apikey"), raw.Envelope.ReceivedAt, a.digester)
}

// account is the configured account of raw's envelope.
func (a *adapter) account(raw fax.RawMessage) (Account, error) {
	if err := fax.CheckEnvelope(raw, fax.Sfax); err != nil {
		return Account{}, err
	}
	acc, ok := a.accounts[raw.Envelope.Account]
	if !ok {
		return Account{}, fmt.Errorf("sfax account %q: %w", raw.Envelope.Account, fax.ReasonUnknownAccount)
	}
	return acc, nil
}

// checkAccount refuses a verifying account that could not verify anything,
// or that would accept a token made with empty credentials.
func checkAccount(acc Account) error {
	switch {
	case !acc.Verifies():
		return nil
	case acc.Username == "" || acc.APIKey.Reveal() == "":
		return fmt.Errorf("sfax: account %q needs a user name and an API key", acc.ID)
	case len(acc.EncryptionKey.Reveal()) != 32 || len(acc.InitVector.Reveal()) != 16:
		return fmt.Errorf("sfax: account %q needs a 32-byte encryption key and a 16-byte init vector", acc.ID)
	}
	return nil
}
