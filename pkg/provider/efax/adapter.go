package efax

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/providerdef"
)

// adapter verifies and normalizes the webhooks of the eFax accounts.
type adapter struct {
	accounts map[string]Account
	digester *fax.Digester
}

// NewNormalizer returns the fax.Normalizer of the eFax accounts in
// accounts. eFax signs its webhooks itself; the digester checks the seal
// of the reconciler's envelopes (faxes found through eFax's API). It
// fails on a nil digester, a repeated account id, an account whose API base URL is not an absolute URL
// (resource URLs are checked against it), or a verifying account without an
// HMAC secret (anybody can sign with an empty key).
func NewNormalizer(accounts []Account, d *fax.Digester) (fax.Normalizer, error) {
	if d == nil {
		return nil, errors.New("efax: a digester is required")
	}
	byID, err := providerdef.Index(accounts, func(acc Account) (Account, error) {
		if err := providerdef.AbsoluteAPIBaseURL(&acc); err != nil {
			return acc, err
		}
		if acc.Verifies() && acc.HMACSecret.Reveal() == "" {
			return acc, fmt.Errorf("efax: account %q verifies webhooks but has no HMAC secret", acc.ID)
		}
		return acc, nil
	})
	if err != nil {
		return nil, err
	}
	return &adapter{accounts: byID, digester: d}, nil
}

// Normalize verifies an eFax webhook — the body's HMAC and the app id —
// unless its account has verification off, and maps it to an event. The
// resource_url check is not verification but the guard against server-side
// request forgery, so it applies to every account: a resource_url that is
// not https on the account's API host is untrusted_resource_url.
func (a *adapter) Normalize(raw fax.RawMessage) (fax.Event, error) {
	acc, err := a.account(raw)
	if err != nil {
		return fax.Event{}, err
	}
	env := raw.Envelope
	if env.FromAPI() {
		// The reconciler's envelope: its seal stands for the webhook's
		// signature, whatever the account's verification setting.
		if err := a.digester.CheckSeal(env); err != nil {
			return fax.Event{}, err
		}
		return normalizeListed(raw, acc)
	}
	if acc.Verifies() {
		if err := verifySignature(env.Body, env.HeaderValues(SignatureHeader), acc.HMACSecret.Reveal()); err != nil {
			return fax.Event{}, err
		}
	}
	f, err := parseFields(env.Body)
	if err != nil {
		return fax.Event{}, err
	}
	if err := check(acc, f); err != nil {
		return fax.Event{}, err
	}
	return normalize(raw, f)
}

// Verify checks an eFax webhook's X-HMAC-Signature over the exact body, as
// Normalize does first (fax.Verifier). The app id is left to Normalize: it
// is read from a body that the signature already proves the account's
// secret signed.
func (a *adapter) Verify(raw fax.RawMessage) error {
	acc, err := a.account(raw)
	if err != nil {
		return err
	}
	env := raw.Envelope
	if env.FromAPI() {
		return fmt.Errorf("an envelope from eFax's API is no webhook to verify: %w", fax.ReasonSignatureInvalid)
	}
	if !acc.Verifies() {
		return nil
	}
	return verifySignature(env.Body, env.HeaderValues(SignatureHeader), acc.HMACSecret.Reveal())
}

// account is the configured account of raw's envelope.
func (a *adapter) account(raw fax.RawMessage) (Account, error) {
	if err := fax.CheckEnvelope(raw, fax.EFax); err != nil {
		return Account{}, err
	}
	acc, ok := a.accounts[raw.Envelope.Account]
	if !ok {
		return Account{}, fmt.Errorf("efax account %q: %w", raw.Envelope.Account, fax.ReasonUnknownAccount)
	}
	return acc, nil
}

// check applies the account's checks that read the body: app id (when
// verifying) and resource_url (always, unless absent or null).
func check(acc Account, f *fields) error {
	if acc.Verifies() {
		appID, _ := f.peek("app_id")
		if err := verifyAppID(appID, acc.AppID); err != nil {
			return err
		}
	}
	return checkResourceURL(acc, f)
}

// checkResourceURL refuses, as untrusted_resource_url, a resource_url
// that is not a string or does not point at the account's API host
// (fax.TrustedURL); an absent or null one passes.
func checkResourceURL(acc Account, f *fields) error {
	if u, ok := f.m["resource_url"]; ok && string(u) != "null" {
		var s string
		if json.Unmarshal(u, &s) != nil {
			return fmt.Errorf("efax resource_url is not a string: %w", fax.ReasonUntrustedResourceURL)
		}
		if _, err := fax.TrustedURL(s, acc.APIBaseURL); err != nil {
			return fmt.Errorf("efax resource_url %q: %w", s, err)
		}
	}
	return nil
}
