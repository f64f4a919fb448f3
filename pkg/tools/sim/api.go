package sim

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// API is the simulated document API of every provider, on one listener,
// with their listings of received faxes: each provider's Routes registers
// its own paths (they must not collide), so every account's api_base_url
// may name it. Providers answer with its methods, which are safe for
// concurrent use.
type API struct {
	s        *Simulator
	faults   *faultInjector
	stats    *apiStats
	received *receivedStore // the faxes the providers list
	outage   *listingOutage
	once     sync.Once
	stopped  chan struct{} // closed when serving ends: stalled answers give up
}

func newAPI(s *Simulator) *API {
	return &API{
		s:        s,
		faults:   &faultInjector{f: s.opts.Faults, seed: s.opts.Seed},
		stats:    &apiStats{m: map[fax.Provider]*DocumentTotals{}},
		received: newReceivedStore(maxReceived),
		outage:   &listingOutage{},
		stopped:  make(chan struct{}),
	}
}

// routes is the whole HTTP surface of the API: every provider's routes
// and a health check.
func (a *API) routes() http.Handler {
	mux := http.NewServeMux()
	for _, ps := range a.s.sims {
		ps.Routes(mux, a)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux
}

// stop releases stalled answers; serving is ending.
func (a *API) stop() { a.once.Do(func() { close(a.stopped) }) }

// Accounts are the simulator's accounts as they are now (see
// Simulator.Accounts), for checking credentials.
func (a *API) Accounts() config.Accounts { return a.s.Accounts() }

// Options are the simulator's options in force.
func (a *API) Options() Options { return a.s.opts }

// Count updates provider p's document API counts with update (an
// unauthorized request, a token issued…).
func (a *API) Count(p fax.Provider, update func(*DocumentTotals)) { a.stats.update(p, update) }

// DocumentAnswer is how one provider's API answers a document request.
type DocumentAnswer struct {
	// NotFound answers a document that is not available (yet).
	NotFound func(w http.ResponseWriter)
	// Wrap is the answer carrying the document of faxID, described by doc,
	// whose bytes are body: its content type and body.
	Wrap func(faxID string, doc Document, body []byte) (contentType string, answer []byte)
}

// ServeDocument answers a request for the document of provider p's fax
// faxID of account, in format f ("" for a provider without a choice: the
// fax's own), the credentials already checked: after the latency fault,
// the fetch's fault or the document, as ans words them. It counts what it
// answers.
func (a *API) ServeDocument(w http.ResponseWriter, r *http.Request, p fax.Provider, account, faxID string, f docfetch.Format, ans DocumentAnswer) {
	k := docKey{p, account, faxID}
	if l := a.faults.f.Latency; l > 0 {
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.Delayed++ })
		if !a.wait(r, l) {
			return
		}
	}
	kind, status := a.faults.decide(k)
	if a.refuse(w, k, kind, status, ans) {
		return
	}
	doc := documents.get(k, k.formatFor(f))
	contentType, body := ans.Wrap(k.faxID, doc.doc, doc.body)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if kind == faultStall {
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.Stalls++ })
		a.stall(w, r, body)
		return
	}
	if _, err := w.Write(body); err != nil {
		a.s.log.Debug("document answer not delivered", zap.String("provider", string(k.provider)), zap.Error(err))
		return
	}
	a.stats.update(k.provider, func(t *DocumentTotals) { t.Served++; t.Bytes += int64(doc.doc.Size) })
	a.stats.served(k)
}

// refuse answers the faults that replace the document — not yet
// available, 5xx, 429 — and reports whether it did.
func (a *API) refuse(w http.ResponseWriter, k docKey, kind fault, status int, ans DocumentAnswer) bool {
	switch kind {
	case faultNotYet:
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.NotYet++ })
		ans.NotFound(w)
	case faultError:
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.Errors++ })
		WriteJSON(w, status, map[string]string{"message": "simulated server error"})
	case faultTooMany:
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.TooMany++ })
		w.Header().Set("Retry-After", a.faults.f.retryAfter())
		WriteJSON(w, status, map[string]string{"message": "simulated rate limit"})
	default:
		return false
	}
	return true
}

// stall sends the first half of body, then nothing until the client gives
// up, serving ends or MaxStall passes; the answer is then cut short.
func (a *API) stall(w http.ResponseWriter, r *http.Request, body []byte) {
	_, _ = w.Write(body[:len(body)/2])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	a.wait(r, a.s.opts.MaxStall)
	panic(http.ErrAbortHandler) // cut the connection: the body is not complete
}

// wait waits d, unless the client goes away or serving ends first; it
// reports whether it waited d.
func (a *API) wait(r *http.Request, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
	case <-a.stopped:
	}
	return false
}

// WriteJSON answers status with v as JSON.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// EqualSecret compares a presented credential with a configured one in
// constant time; an empty configured one matches nothing.
func EqualSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// apiStats counts the API's answers per provider, and the documents
// served per fax (the last maxTracked faxes).
type apiStats struct {
	mu     sync.Mutex
	m      map[fax.Provider]*DocumentTotals
	perFax map[docKey]int
}

// served counts a document of k served in full.
func (s *apiStats) served(k docKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perFax == nil || len(s.perFax) >= maxTracked {
		s.perFax = map[docKey]int{}
	}
	s.perFax[k]++
}

// servedOf is how many times k's document was served in full.
func (s *apiStats) servedOf(k docKey) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.perFax[k]
}

func (s *apiStats) update(p fax.Provider, f func(*DocumentTotals)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.m[p]
	if !ok {
		t = &DocumentTotals{}
		s.m[p] = t
	}
	f(t)
}

// of returns p's counts so far.
func (s *apiStats) of(p fax.Provider) DocumentTotals {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t, ok := s.m[p]; ok {
		return *t
	}
	return DocumentTotals{}
}
