package ingress

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// readBody reads the whole body into buf (grown if need be), refusing (413)
// more than limit bytes. A small body of known length is read exactly:
// net/http ends it at its Content-Length. Any other is read as it comes
// (memory is never set aside for a length only claimed), through
// http.MaxBytesReader with w, net/http's own ResponseWriter: told that the
// limit was hit, the server closes the connection after the 413 instead of
// first reading up to 256 KiB more of the body until the read timeout.
func readBody(w http.ResponseWriter, r *http.Request, limit int64, buf []byte) ([]byte, error) {
	if r.ContentLength > limit {
		return buf, echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body too large")
	}
	var err error
	if n := int(r.ContentLength); n >= 0 && n <= maxPooledBody {
		buf = slices.Grow(buf[:0], n)[:n]
		_, err = io.ReadFull(r.Body, buf)
	} else {
		b := bytes.NewBuffer(buf[:0])
		_, err = b.ReadFrom(http.MaxBytesReader(w, r.Body, limit))
		buf = b.Bytes()
	}
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return buf[:0], echo.NewHTTPError(http.StatusRequestEntityTooLarge, "body too large")
	case err != nil:
		// The client went away or stalled past the read timeout. That may be a
		// transient network fault, so the answer asks for a retry, never a 4xx.
		return buf[:0], echo.NewHTTPError(http.StatusServiceUnavailable, "could not read the body; retry").SetInternal(err)
	}
	return buf, nil
}

// capture turns the request into its raw envelope: byte-exact body and
// query, every header, with secrets replaced by their keyed digest.
func capture(c echo.Context, ri *requestInfo, acct *account, body []byte, d *fax.Digester) *fax.Envelope {
	r := c.Request()
	query, redQuery := fax.RedactQuery(r.URL.RawQuery, acct.secretParams, d)
	headers, redHeaders := fax.RedactHeadersInPlace(r.Header, d) // the request is ours; its secrets go
	if r.Host != "" {
		headers["Host"] = []string{r.Host}
	}
	return &fax.Envelope{
		Schema:     fax.EnvelopeSchema,
		ID:         ri.id,
		ReceivedAt: ri.start.UTC(),
		Provider:   acct.Provider,
		Account:    acct.ID,
		Method:     r.Method,
		Path:       r.URL.EscapedPath(),
		Query:      query,
		Headers:    headers,
		RemoteAddr: r.RemoteAddr,
		Body:       body,
		Redacted:   append(append([]fax.Redaction{}, redHeaders...), redQuery...),
	}
}
