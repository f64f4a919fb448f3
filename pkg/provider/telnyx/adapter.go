package telnyx

import (
	"crypto/ed25519"
	"errors"
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// adapter verifies and normalizes the webhooks of the Telnyx accounts.
type adapter struct {
	accounts map[string]account
	digester *fax.Digester
}

// account is a configured account with its public key read.
type account struct {
	Account
	key ed25519.PublicKey
}

// NewNormalizer returns the fax.Normalizer of the Telnyx accounts. Telnyx
// signs its webhooks itself; the digester checks the seal of the
// reconciler's envelopes (faxes found through the API). It fails on a nil
// digester, a repeated account id, an API base URL that is not absolute,
// or a verifying account whose public key does not read.
func NewNormalizer(accounts []Account, d *fax.Digester) (fax.Normalizer, error) {
	if d == nil {
		return nil, errors.New("telnyx: a digester is required")
	}
	byID, err := providerdef.Index(accounts, func(acc Account) (account, error) {
		entry := account{Account: acc}
		if err := providerdef.AbsoluteAPIBaseURL(&acc); err != nil {
			return entry, err
		}
		if acc.Verifies() {
			k, err := ParsePublicKey(acc.PublicKey)
			if err != nil {
				return entry, fmt.Errorf("telnyx: account %q verifies webhooks: %w", acc.ID, err)
			}
			entry.key = k
		}
		if entry.Tolerance <= 0 {
			entry.Tolerance = DefaultTolerance
		}
		return entry, nil
	})
	if err != nil {
		return nil, err
	}
	return &adapter{accounts: byID, digester: d}, nil
}

// Normalize verifies a Telnyx webhook — the Ed25519 signature over
// timestamp|body, the timestamp within the tolerance of the receipt time,
// and the connection id when the account names one — unless its account
// has verification off, and maps it to an event (normalize). A reconciler
// envelope is checked by its seal instead (normalizeListed).
func (a *adapter) Normalize(raw fax.RawMessage) (fax.Event, error) {
	acc, err := a.account(raw)
	if err != nil {
		return fax.Event{}, err
	}
	env := raw.Envelope
	if env.FromAPI() {
		// Its seal stands for the webhook's signature, whatever the
		// account's verification setting.
		if err := a.digester.CheckSeal(env); err != nil {
			return fax.Event{}, err
		}
		return normalizeListed(raw, acc.Account)
	}
	if err := acc.verify(env); err != nil {
		return fax.Event{}, err
	}
	return normalize(raw, acc.Account, acc.Verifies())
}

// Verify checks a Telnyx webhook's signature and timestamp on the exact
// bytes, as Normalize does first (fax.Verifier). The connection id is
// left to Normalize: it is read from a body the signature already
// proves Telnyx sent.
func (a *adapter) Verify(raw fax.RawMessage) error {
	acc, err := a.account(raw)
	if err != nil {
		return err
	}
	if raw.Envelope.FromAPI() {
		return fmt.Errorf("an envelope from Telnyx's API is no webhook to verify: %w", fax.ReasonSignatureInvalid)
	}
	return acc.verify(raw.Envelope)
}

// verify checks env's signature and timestamp, unless the account has
// verification off.
func (acc account) verify(env *fax.Envelope) error {
	if !acc.Verifies() {
		return nil
	}
	return verifySignature(env.Body, env.HeaderValues(SignatureHeader), env.HeaderValues(TimestampHeader),
		acc.key, env.ReceivedAt, acc.Tolerance)
}

// account is the configured account of raw's envelope.
func (a *adapter) account(raw fax.RawMessage) (account, error) {
	if err := fax.CheckEnvelope(raw, Name); err != nil {
		return account{}, err
	}
	acc, ok := a.accounts[raw.Envelope.Account]
	if !ok {
		return account{}, fmt.Errorf("telnyx account %q: %w", raw.Envelope.Account, fax.ReasonUnknownAccount)
	}
	return acc, nil
}
