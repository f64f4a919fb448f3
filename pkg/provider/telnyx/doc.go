// Package telnyx is faxpipe's adapter for Telnyx Programmable Fax, API
// https://api.telnyx.com/v2: its account configuration, how its webhooks
// are accepted, verified and normalized, how its documents are fetched,
// how its received faxes are listed, and how its API key is checked.
//
// Marks used in this package: [doc] Telnyx's own developer documentation
// (developers.telnyx.com: "Receive a Fax via API", "Receiving Webhooks",
// the fax.delivered callback reference); [lib] agreed by Telnyx's client
// libraries (generated from its OpenAPI specification: the faxes
// resource, its list filters and paging, webhook verification); [?] not
// confirmed anywhere (parsed tolerantly, configurable where it matters).
//
// # Webhooks
//
// [doc] A JSON POST to the Fax Application's webhook URL (then its
// failover URL if that fails), answered by any 2xx:
//
//	{"data":{"event_type":"fax.received","id":"<webhook id>","occurred_at":"…Z",
//	  "payload":{"call_duration_secs","connection_id","direction","fax_id","from",
//	    "media_url","page_count","partial_content","status","to","user_id","caller_id"},
//	  "record_type":"event"},
//	 "meta":{"attempt":1,"delivered_to":"<the URL>"}}
//
// Inbound: fax.receiving.started, fax.media.processing.started,
// fax.received (the PDF is ready at media_url) and fax.failed (with
// failure_reason). Outbound: fax.queued, fax.media.processed,
// fax.sending.started, then fax.delivered or fax.failed. Webhooks may
// arrive out of order, at once, or twice [doc]. Numbers are E.164.
//
// Normalization: fax.received is an inbound received event (success
// unless partial_content [doc], a document to fetch unless page_count is
// 0); fax.delivered an outbound delivered one; fax.failed a failed one of
// its direction (failure_reason as error_code). The intermediate types —
// and fax.email.delivered [lib] — are not outcomes faxpipe has (received,
// delivered, failed, ping): each is verified, kept in FAXPIPE_RAW, and
// ends in FAXPIPE_REJECTED as unknown_event "intermediate status,
// recorded and not emitted". Every member not mapped is kept in
// provider_fields: the payload's, then data's (id as event_id,
// event_type, record_type), then meta.
//
// # Verification
//
// [doc][lib] Headers telnyx-signature-ed25519 (base64 of a 64-byte Ed25519
// signature) and telnyx-timestamp (Unix seconds); the signed message is
// the timestamp, '|', and the raw body, byte for byte; the key is the
// Telnyx account's public key from Mission Control (base64, 32 bytes),
// one per Telnyx account, shared by its applications — hence the
// optional connection_id check. [lib] The libraries reject a timestamp
// more than 300 s old; faxpipe allows tolerance (default 5 m) either way
// of the receipt time, never the processing time, so a replay of old raw
// messages verifies as it did, and a genuine request captured and sent
// again outside the window is token_expired.
//
// # Documents
//
// [doc] media_url is "a signed AWS link to a PDF", valid 10 minutes, on
// s3.amazonaws.com in the example. It is fetched without the API key (a
// pre-signed link; the key never reaches the media host). Expired (a 400,
// 403 or 410 [?]), or missing, a fresh link comes from GET
// /v2/faxes/{id} [doc], its data.media_url [lib]. Links are accepted only
// on api_base_url's origin or one of media_base_urls (default
// https://s3.amazonaws.com [?: other regions' hosts are not documented]),
// in webhooks (untrusted_resource_url) and in the downloader alike, whose
// HTTP client allows those origins and no other.
//
// # Listing received faxes
//
// [lib] GET /v2/faxes with filter[created_at][gte|gt|lte|lt],
// filter[direction][eq], page[number] and page[size], Authorization:
// Bearer API key, answering {"data":[fax…],"meta":{"page_number",
// "total_pages",…}}; a fax resource has id (the webhook's fax_id),
// connection_id, direction, from, to, status (… receiving,
// media.processing, received, failed), created_at, updated_at, media_url;
// page_count is read when present [?: not in the libraries' model].
// It filters by created_at, not by completion: see lister.List for the
// lookback that covers faxes begun before a window. updated_at stands
// for the completion time [?].
//
// # Credentials
//
// Clients.CheckCredentials makes the cheapest authorized call, GET
// /v2/faxes?page[size]=1, and reports a refused key as ErrUnauthorized.
package telnyx
