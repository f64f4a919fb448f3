// Package sfax is faxpipe's adapter for Sfax (Scrypt / Consensus), API
// https://api.sfaxme.com: its account configuration, how its callbacks are
// accepted, verified and normalized, how its documents are fetched, and how
// its received faxes are listed for the reconciler.
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
// The reconciler lists each account's received faxes to find those whose
// callback never came (list.go), and the processor maps each listed item
// to the event its callback gives (listed.go), so that a fax both called
// back and listed is one event.
//
// [doc]/[lib] GET /api/ReceiveInboundFax?token=…&ApiKey=… with
// StartDateUTC / EndDateUTC (yyyy-MM-ddTHH:mm:ssZ), MaxItems (at most
// 500) and WatermarkId. The answer is {"isSuccess","message","FaxCount",
// "LastWatermark","HasMoreItems","InboundFaxItems":[{"FaxId","Pages",
// "ToFaxNumber","FromFaxNumber","FromCSID","FaxDateUtc","FaxSuccess",
// "InboundFaxId","FaxPages","FaxDateIso","WatermarkId","CreateDateIso",
// "Barcodes":{…}}]}; errors are isSuccess false, even with a 200. Sfax's
// sample writes most values as strings, HasMoreItems included ("false"),
// and FaxDateUtc as "3/2/2014 11:37:00 AM"; FaxId may be a JSON number of
// 19 digits, which a float64 cannot hold, so it is read as written. A
// token is valid 15 minutes: each request carries a new one. Watermark
// ids start with the date (2140304… is 2014-03-04).
//
// [doc] Called without dates, the listing answers what is new since a
// watermark Sfax keeps per account, shared with every other API user of
// that account, and moves it: faxpipe always passes a date window and
// never asks that way.
//
// [doc] Sfax describes WatermarkId as the way to "revert back to a
// specific watermark id and start receiving faxes again from that point":
// passing it may move that shared watermark, so faxpipe never sends it.
// When an answer says HasMoreItems (more than 500 faxes in its window),
// faxpipe discards that answer's items and lists the window's two halves
// instead, split at a whole second in the middle, recursively; a window of
// one second that still has more, or more than 40 halvings, is an error.
//
// [?] Whether Sfax filters the dates on the completion time and whether
// EndDateUTC is inclusive are not known: the dates are the window rounded
// outwards to whole seconds, and items whose completion time (FaxDateIso,
// else FaxDateUtc) falls outside the window are dropped by faxpipe. Whether the listing's FaxId is the callback's
// faxid (rather than InboundFaxId) is not confirmed: faxpipe assumes
// FaxId. The listing's numbers are read as the callback's are (US
// numbers), its member names regardless of letter case, its flags as
// booleans, numbers or strings. faxpipe asks for JSON (Accept:
// application/json); Sfax can also answer XML.
package sfax
