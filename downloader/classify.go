package downloader

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/apiclient"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// failure is what a failed attempt means for the document.
type failure struct {
	err        error
	reason     fax.DocumentReason // the reason if it ends here
	transient  bool               // trying again may help
	retryAfter time.Duration      // the provider's Retry-After
	status     int                // the HTTP status, when there was one
	attempts   int                // requests made by this delivery
	next       time.Duration      // wait before trying again (transient)
}

func (f failure) detail() string {
	if f.err == nil {
		return string(f.reason)
	}
	return f.err.Error()
}

// classify maps a failed attempt at ev's document onto what to do: network
// faults, stalls, 408/425/429 and 5xx are transient (Retry-After kept); a
// 404, or a provider saying it has no document, is transient until
// NotFoundGrace after the callback was received (the document may not be
// ready), then permanent; other answers and refusals are permanent.
func (d *Downloader) classify(err error, ev fax.Event) failure {
	f := failure{err: err}
	var se *docfetch.StatusError
	switch {
	case errors.As(err, &se):
		f = d.classifyStatus(f, se, ev)
	case errors.Is(err, apiclient.ErrUntrustedDestination), errors.Is(err, fax.ReasonUntrustedResourceURL):
		f.reason = fax.DocumentReasonUntrustedDestination
	case errors.Is(err, errTooLarge):
		f.reason = fax.DocumentReasonTooLarge
	case errors.Is(err, errUnsupportedContent):
		f.reason = fax.DocumentReasonUnsupportedContent
	case errors.Is(err, docfetch.ErrUnknownAccount):
		f.reason = fax.DocumentReasonUnknownAccount
	case errors.Is(err, docfetch.ErrMalformed):
		f.reason = fax.DocumentReasonMalformedDocument
	case errors.Is(err, docfetch.ErrRefused):
		f.reason, f.transient = fax.DocumentReasonProviderRefused, d.withinGrace(ev)
	default:
		f.reason, f.transient = fax.DocumentReasonRetriesExhausted, true
	}
	return f
}

func (d *Downloader) classifyStatus(f failure, se *docfetch.StatusError, ev fax.Event) failure {
	f.status, f.retryAfter = se.Code, se.RetryAfter
	switch c := se.Code; {
	case c == http.StatusNotFound:
		f.reason, f.transient = fax.DocumentReasonNotFound, d.withinGrace(ev)
	case c == http.StatusRequestTimeout, c == http.StatusTooEarly, c == http.StatusTooManyRequests, c >= 500:
		f.reason, f.transient = fax.DocumentReasonRetriesExhausted, true
	case c == http.StatusUnauthorized, c == http.StatusForbidden:
		f.reason = fax.DocumentReasonUnauthorized
	default:
		f.reason = fax.DocumentReasonProviderRefused
	}
	return f
}

// withinGrace reports whether ev's fax was received less than NotFoundGrace
// ago.
func (d *Downloader) withinGrace(ev fax.Event) bool {
	return d.deps.Now().Sub(ev.ReceivedAt) < d.cfg.NotFoundGrace
}

// errTooLarge: the document exceeds MaxDocumentSize. Permanent.
var errTooLarge = errors.New("document exceeds downloader.max_document_size")

// exhausted is the failure announced when transient faults outlasted every
// delivery.
func exhausted(last failure) failure {
	last.reason, last.transient = fax.DocumentReasonRetriesExhausted, false
	last.err = fmt.Errorf("still failing after the last delivery: %w", last.err)
	return last
}
