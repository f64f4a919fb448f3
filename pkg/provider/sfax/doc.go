// Package sfax is faxpipe's adapter for Sfax (Scrypt / Consensus), API
// https://api.sfaxme.com: its account configuration, how its callbacks are
// accepted, verified and normalized, and how its documents are fetched.
//
// Marks used in this package: [doc] the provider's own documentation;
// [lib] agreed by several public client libraries, not in the docs we could
// read; [?] not confirmed anywhere (parsed tolerantly, configurable).
//
// # Callbacks
//
// [doc] An HTTP GET with everything in the query string, one request per
// fax, inbound and outbound alike (fields of the other direction present but
// empty); Sfax waits 15 s for the answer. Retries are configurable at Sfax
// (e.g. 5 attempts 2 minutes apart); after 20 failed attempts Sfax suspends
// the account's callbacks and queues them until someone re-enables them in
// its portal. Parameters: token, apikey (the account's 32-hex API key),
// faxtype (0 outbound, 1 inbound), faxid (19 digits, kept as a string),
// faxsuccess, faxpages, faxdateiso (completion time), faxpwatermarkid,
// hasbarcodedata, intofaxnumber / infromfaxnumber / infromcpn / infromcsid,
// their out… counterparts, outsendfaxqueueid, outsendfaxtrackingcode,
// outresultcode, outerrorcode, outresultshortdescr, outresultdescr,
// outfaxattempts, istest.
//
// # Verification
//
// [lib] token is AES-256-CBC with PKCS#7 padding, standard base64; the key
// is the account's 32-character encryption key, the IV its 16-character
// init vector, both as bytes. The plaintext is
// "Username=…&ApiKey=…&GenDT=yyyy-MM-ddTHH:mm:ssZ" (some senders add a
// Context field, a trailing '&' or milliseconds: pairs are parsed, unknown
// ones ignored). A token is valid 15 minutes [doc]: faxpipe accepts GenDT
// within accounts.sfax[].token_window of the ingress's receipt time, so a
// replayed callback verifies as it did when received. A '+' sent without
// percent-encoding arrives as a space and is turned back. The apikey and
// token are stored only as keyed digests.
//
// # Documents
//
// [lib] GET /api/DownloadInboundFaxAsPdf (or …AsTif) ?token=…&ApiKey=…&FaxId=…
// answers the raw file, or JSON {"isSuccess":false,"message":…} on error
// (even with a 200), so the body is checked. Every API call takes a freshly
// generated token.
//
// # Listing received faxes
//
// [doc]/[lib] GET /api/ReceiveInboundFax with StartDateUTC / EndDateUTC,
// MaxItems (≤ 500), following HasMoreItems. Called without dates it returns
// what is new since a watermark Sfax keeps per account, shared with every
// other API user of that account: a caller must always pass a date window.
package sfax
