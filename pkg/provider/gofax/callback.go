package gofax

import (
	"net/http"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Callback is how GoFax calls faxpipe: a form-urlencoded POST, possibly with
// query parameters. Its credentials are Basic auth (digested by the ingress
// like every Authorization header) or a secret query parameter whose name each
// account configures.
var Callback = fax.CallbackSpec{
	Methods: []string{http.MethodPost},
}
