package telnyx

import (
	"net/http"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Callback is how Telnyx calls faxpipe: a JSON POST signed with
// telnyx-signature-ed25519 over telnyx-timestamp|body (both headers kept:
// a signature and a time, no secret) [doc]. Any 2xx is Telnyx's success
// [doc: "The server must return an HTTP 200"]; the body is not read.
var Callback = fax.CallbackSpec{
	Methods: []string{http.MethodPost},
}
