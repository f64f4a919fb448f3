package sfax

import (
	"net/http"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Callback is how Sfax calls faxpipe: a GET with every field in the query
// string ("We send the callback as an HTTP GET. Not a POST." [doc]). The
// apikey parameter is the account's API key, so only its digest is stored;
// the token is encrypted and kept, since the processor decrypts it to
// verify the callback. A POST (405) or a body (400) is refused: a body,
// stored byte-exact, could carry the API key in clear.
var Callback = fax.CallbackSpec{
	Methods:           []string{http.MethodGet},
	NoBody:            true,
	SecretQueryParams: []string{"apikey"},
}
