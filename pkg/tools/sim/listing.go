package sim

import (
	"net/http"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Received is one fax a provider received, as its listing API knows it.
type Received struct {
	// Fax is the fax's report entry as generated (FaxID, CompletedAt,
	// Success, Pages, Lost, Listed…): without its callbacks, Acked or
	// Document, which its delivery adds later.
	Fax Fax
	// Listed is what the provider's Webhook put in Webhook.Listed; every
	// listing hands back the same value, so it must not be modified.
	Listed any
	// Downloaded is true once the API served its document in full (eFax's
	// image_downloaded).
	Downloaded bool
}

// Received lists the faxes account of provider p received with a
// completion time in [from, to), oldest first (in the order generated
// among equal times): every fax generated so far whose Webhook had Listed
// set, whether its webhook was sent, lost, given up or acknowledged —
// the last maxReceived of them, across providers.
func (a *API) Received(p fax.Provider, account string, from, to time.Time) []Received {
	kept := a.received.of(p, account, from, to)
	out := make([]Received, len(kept))
	for i, r := range kept {
		served := a.stats.servedOf(docKey{p, account, r.fax.FaxID})
		out[i] = Received{Fax: r.fax, Listed: r.listed, Downloaded: served > 0}
	}
	slices.SortStableFunc(out, func(x, y Received) int { return x.Fax.CompletedAt.Compare(y.Fax.CompletedAt) })
	return out
}

// ServeListing answers a listing request of provider p, its credentials
// already checked: during an outage (Simulator.FailListings) with the
// outage's fault, else by calling serve. It counts what it answers.
func (a *API) ServeListing(w http.ResponseWriter, r *http.Request, p fax.Provider, serve func()) {
	kind := a.outage.fault(p, time.Now())
	a.stats.update(p, func(t *DocumentTotals) {
		t.Listings++
		t.ListingFaults += b2i(kind != faultNone)
	})
	switch kind {
	case faultError:
		WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"message": "simulated server error"})
	case faultTooMany:
		w.Header().Set("Retry-After", a.faults.f.retryAfter())
		WriteJSON(w, http.StatusTooManyRequests, map[string]string{"message": "simulated rate limit"})
	case faultStall:
		a.wait(r, a.s.opts.MaxStall)
		panic(http.ErrAbortHandler) // cut the connection: no answer at all
	default:
		serve()
	}
}

// FailListings fails every listing request (API.ServeListing) for the
// next d: each provider's requests meet in turn a 503, a 429 with
// Retry-After (Faults.RetryAfter) and a hang — no answer until the client
// gives up, serving ends or MaxStall passes, then the connection cut —
// starting again with a 503 at each call. A later call replaces the
// outage in progress; a d of zero or less ends it. Document requests are
// not affected.
func (s *Simulator) FailListings(d time.Duration) {
	s.api.outage.start(time.Now().Add(d))
	s.log.Info("listings of received faxes fail", zap.Duration("for", d))
}

// outageFaults are the faults a listing outage cycles through.
var outageFaults = [...]fault{faultError, faultTooMany, faultStall}

// listingOutage is the period in which listing requests fail
// (Simulator.FailListings). It is safe for concurrent use.
type listingOutage struct {
	mu     sync.Mutex
	until  time.Time
	failed map[fax.Provider]int // listing requests failed in the outage, by provider
}

// start begins an outage lasting until until, the faults' cycle afresh.
func (o *listingOutage) start(until time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.until, o.failed = until, map[fax.Provider]int{}
}

// fault is the fault of a listing request of p arriving at now: the next
// of outageFaults for p during an outage, faultNone outside one.
func (o *listingOutage) fault(p fax.Provider, now time.Time) fault {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !now.Before(o.until) {
		return faultNone
	}
	n := o.failed[p]
	o.failed[p] = n + 1
	return outageFaults[n%len(outageFaults)]
}
