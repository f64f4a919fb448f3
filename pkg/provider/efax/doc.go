// Package efax is faxpipe's adapter for eFax Enterprise (Consensus), API
// https://api.securedocex.com: its account configuration, how its webhooks
// are accepted, verified and normalized, and how its documents are fetched.
//
// Marks used in this package: [doc] the provider's own documentation;
// [lib] agreed by several public client libraries; [?] not confirmed
// anywhere (parsed tolerantly, configurable).
//
// # Webhooks
//
// [doc] An HTTPS POST of JSON: app_id, user_id, notification_id, direction,
// completed_timestamp, duration, pages, fax_id, sending_fax_number,
// receiving_fax_number, resource_url, originating_fax_tsid. A test ping
// (POST /notifications/ping at eFax) arrives as app_id, notification_id,
// direction, event_type "PING", notification_config_id. The receiver must
// answer 200 with a JSON body. Duplicates happen and order is not
// guaranteed; a failed notification is retried five times, five minutes
// apart, then given up.
//
// # Verification
//
// [doc] Header X-HMAC-Signature: HMAC-SHA256 of the request body with the
// account's shared secret (accounts.efax[].hmac_secret), hex-encoded [lib]
// (accepted in either case, compared in constant time). Anti-spoofing [doc]:
// resource_url must point at the account's API host; any other host is
// rejected (untrusted_resource_url).
//
// # Documents
//
// [doc]/[lib] POST /tokens with Basic auth app_id:api_key and form
// grant_type=client_credentials gives {"access_token","expires_in"} (24 h);
// a new token invalidates the previous one for the app [doc], so one token
// per app is cached and shared by every client of the process — the
// downloader's and the reconciler's lister — keyed by token URL, app id and
// a hash of the API key. Every call carries Authorization: Bearer and the
// header user-id (the fax's user_id) [doc]; a 401 refreshes the token once.
// GET /faxes/{fax_id}/image (what resource_url names; ?desired_format=PDF
// or TIFF) answers JSON {"fax_id","file_name","image":"<base64>"} [lib].
//
// # Listing received faxes
//
// [doc] GET /faxes/received with min_completed_timestamp,
// max_completed_timestamp and image_downloaded=false (not yet
// downloaded), paged by the request headers pagination-offset /
// pagination-limit (100 per page); user-id names the user whose faxes are
// listed. Reading /faxes/{id}/image marks a fax downloaded [lib]. The
// reconciler lists each of the account's user_ids in turn; an account with
// none is listed once without user-id [?]. That list shrinks while it is
// read (faxes it fed, or whose webhooks were handled, get downloaded and
// drop out), so it cannot be paged by offset: a later page would skip the
// faxes that moved up. Every request asks pagination-offset 0 and
// pagination-limit 100; an answer of 100 is taken as possibly partial [?]
// (that a page is full at exactly pagination-limit is assumed), discarded,
// and the window listed again as two halves split at a whole second,
// recursively; more than 100 not-yet-downloaded faxes completed within one
// second is an error. Whether the bounds are inclusive, and which
// timestamp they filter by, is [?]: the window asked is widened to whole
// seconds and every fax answered is yielded, even one whose
// completed_timestamp reads outside it (a fax listed twice is deduplicated
// by its event id; one dropped would be lost).
//
// [?] (public client code, not the official spec) The answer is
// {"first_record","last_record","faxes":[{"fax_id","size","duration",
// "pages","image_downloaded","completed_timestamp",
// "originating_fax_number","destination_fax_number",
// "originating_fax_tsid","resource_url"}]}; a bare array of faxes is
// accepted too. A listed fax gives the event of its received-fax webhook
// (same fax_id, hence the same event id): originating_fax_number is the
// webhook's sending_fax_number, destination_fax_number its
// receiving_fax_number, the other members have the webhook's names; the
// user-id the listing was made as becomes provider_fields.user_id.
package efax
