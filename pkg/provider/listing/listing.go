// Package listing is the shape every provider's listing of received
// faxes shares: what the reconciler asks for (an account and a window of
// completion times) and what a provider's Lister answers (one Item per
// fax, as the provider's API listed it). It knows nothing of NATS: the
// reconciler wraps each item in a sealed API envelope (Envelope) and
// publishes it on FAXPIPE_RAW, where the processor turns it into the same
// event its webhook would have given.
//
// A Lister's errors are those of docfetch (StatusError, with RetryAfter
// for a 429; network errors are transient) or its own: the reconciler
// retries every error with backoff and never skips a window.
package listing

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Window is a span of completion times, From inclusive, To exclusive.
type Window struct {
	From, To time.Time
}

// Item is one received fax as the provider's API listed it.
type Item struct {
	// FaxID is the provider's id of the fax, as its webhook gives it
	// (for progress and logs; the processor reads the id from Body).
	FaxID string
	// CompletedAt is when the fax completed, per the listing; zero when
	// the listing does not say.
	CompletedAt time.Time
	// Method, Path and Query are the listing request that returned the
	// item, the query without any credential (no token, no API key).
	Method, Path, Query string
	// Header holds the request headers the fax's processing needs (eFax's
	// user-id), never a credential.
	Header map[string][]string
	// Body is the item exactly as the listing gave it: one JSON object.
	Body []byte
}

// Lister lists the faxes received by one provider's accounts.
type Lister interface {
	// List calls yield with every fax account received whose completion
	// time falls in w, following the provider's pages, and stops at the
	// first error, its own or yield's. It must never move any state the
	// provider keeps for the account (Sfax's watermark). An account the
	// lister does not know is docfetch.ErrUnknownAccount.
	List(ctx context.Context, account string, w Window, yield func(Item) error) error
}

// Envelope wraps item, listed for account of provider p at receivedAt, in
// an API envelope sealed with d: the raw message the reconciler publishes.
func Envelope(d *fax.Digester, p fax.Provider, account string, item Item, receivedAt time.Time) (*fax.Envelope, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return nil, err
	}
	header := item.Header
	if header == nil {
		header = map[string][]string{}
	}
	env := &fax.Envelope{
		Schema:     fax.EnvelopeSchema,
		ID:         id.String(),
		ReceivedAt: receivedAt.UTC(),
		Provider:   p,
		Account:    account,
		Method:     item.Method,
		Path:       item.Path,
		Query:      item.Query,
		Headers:    header,
		Body:       item.Body,
		Redacted:   []fax.Redaction{},
		Origin:     fax.OriginAPI,
	}
	env.Seal = d.Seal(env)
	return env, nil
}
