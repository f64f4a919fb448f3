// Package gofax is faxpipe's adapter for GoFax (Australia), API
// https://restful-api.gofax.com.au: its account configuration, how its
// webhooks are accepted, verified and normalized, and how its documents are
// fetched.
//
// Marks used in this package: [doc] the provider's own documentation;
// [lib] agreed by several public client libraries; [?] not confirmed
// anywhere (parsed tolerantly, configurable).
//
// # Webhooks
//
// [doc] An HTTP POST, form-urlencoded; when the configured URL already has
// query parameters, GoFax appends the event's fields. Fax sent:
// Recipient, ID, Success, Message, Subject. SMS sent: Recipient, ID,
// Success, Message. Fax received: FaxID, Number, Message (COMPLETE or
// INCOMPLETE, partially received), SenderFaxID, SenderISDNID,
// TransmissionTime, NumberOfPages, TransmissionSpeed. Numbers are E.164
// without the '+'. Fax-sent and SMS-sent look alike: the account's URL
// configuration tells them apart. The retry policy is [?].
//
// # Verification
//
// [doc] Basic auth, configured in GoFax's portal — but it cannot be used
// with a per-job CallbackURL, so an account may instead carry a secret in
// the URL's query string (accounts.gofax[].url_secret). Either is compared
// in constant time; both are stored only as keyed digests.
//
// # Documents
//
// [doc]/[?] GET /v1.0/ReceiveFax/{faxId}/Document?token=… returns the file
// base64-encoded; the JSON field names are not confirmed, so a JSON object
// carrying the base64 data (e.g. Data) and a bare base64 string are both
// accepted. A missing or wrong token is a 401 with an empty body [doc].
//
// # Listing received faxes
//
// [?] No documented endpoint for listing received faxes was found; a GoFax
// account is covered by alerting on callbacks that stop arriving.
package gofax
