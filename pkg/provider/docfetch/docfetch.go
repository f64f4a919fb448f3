// Package docfetch is the shape every provider's document client shares:
// what the downloader asks for (Request), what a client answers (the raw
// document bytes as a stream, or a typed error saying whether trying again
// can help), and the pieces the clients have in common (checking an HTTP
// answer, reading a base64 document out of JSON without holding it).
//
// It knows nothing of NATS or of the object store; the downloader decides
// what to do with each kind of error.
package docfetch

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Format is the document format asked of providers that offer a choice.
type Format string

// The formats (config.Downloader.Format).
const (
	PDF  Format = "pdf"
	TIFF Format = "tiff"
)

// Request is one document to fetch: the received fax's event (provider,
// account, fax id and provider fields) and the preferred format.
type Request struct {
	Event  fax.Event
	Format Format
}

// Client fetches the documents of one provider's accounts.
type Client interface {
	// Fetch starts downloading the document of req and returns its raw bytes
	// (base64 and JSON wrappers already removed) as a stream the caller must
	// close. It blocks until the provider's answer has begun; ctx bounds the
	// request and the reading of the stream. Errors are those of this
	// package (StatusError, ErrRefused, ErrUnknownAccount, ErrMalformed,
	// fax.ReasonUntrustedResourceURL) or network errors, which are transient.
	Fetch(ctx context.Context, req Request) (io.ReadCloser, error)
}

// Options are what every provider's document client is built with.
type Options struct {
	// HTTP makes every request; the downloader's client enforces the
	// allowed hosts, private-address refusal, redirects and timeouts.
	HTTP *http.Client
	// Now is the clock of tokens; time.Now if nil.
	Now func() time.Time
	// OnTokenRefresh, if set, is called each time a client obtains a new
	// API token (for metrics).
	OnTokenRefresh func(p fax.Provider, account string)
}

// Factory builds the document client of the configured accounts: main
// hands the downloader provider.NewDocumentClient, which covers every
// provider.
type Factory func(config.Accounts, Options) (Client, error)

// Errors a Client returns, besides StatusError and network errors.
var (
	// ErrUnknownAccount: the event's account is not configured (any more).
	ErrUnknownAccount = errors.New("unknown account")
	// ErrRefused: the provider answered 2xx but said it has no document for
	// this fax (Sfax's {"isSuccess":false}). It may not be ready yet, so the
	// downloader treats it like a 404.
	ErrRefused = errors.New("provider refused the document request")
	// ErrMalformed: the answer is not a document in a form we read (bad
	// JSON, bad base64, no document member). Permanent.
	ErrMalformed = errors.New("malformed document answer")
)

func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// Clock returns the options' clock: Now, or time.Now when unset.
func (o Options) Clock() func() time.Time { return o.now }

// TokenRefreshed reports a new token of p's account to OnTokenRefresh, if
// set.
func (o Options) TokenRefreshed(p fax.Provider, account string) {
	if o.OnTokenRefresh != nil {
		o.OnTokenRefresh(p, account)
	}
}

// ProviderString is the provider field name of the request's event as a
// string, trimmed (a document link, a user id); "" when absent or not a
// string.
func (r Request) ProviderString(name string) string {
	var s string
	if raw, ok := r.Event.ProviderFields[name]; ok && json.Unmarshal(raw, &s) == nil {
		return strings.TrimSpace(s)
	}
	return ""
}
