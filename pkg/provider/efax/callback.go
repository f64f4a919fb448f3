package efax

import (
	"net/http"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Callback is how eFax Enterprise calls faxpipe: a JSON POST signed with
// X-HMAC-Signature (kept: it is a signature, not a secret), answered with a
// JSON body as the provider requires.
var Callback = fax.CallbackSpec{
	Methods: []string{http.MethodPost},
	Answer: fax.Answer{
		ContentType: "application/json",
		Body:        []byte(`{"status":"SUCCESS"}`),
	},
}
