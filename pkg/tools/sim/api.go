package sim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// api is the simulated document APIs of the three providers, on one
// listener: their paths do not collide (Sfax /api/…, GoFax /v1.0/…, eFax
// /tokens and /faxes/…), so every account's api_base_url may name it.
type api struct {
	s       *Simulator
	faults  *faultInjector
	stats   *apiStats
	tokens  *efaxTokens
	once    sync.Once
	stopped chan struct{} // closed when serving ends: stalled answers give up
}

func newAPI(s *Simulator) *api {
	return &api{
		s:       s,
		faults:  &faultInjector{f: s.opts.Faults, seed: s.opts.Seed},
		stats:   &apiStats{m: map[fax.Provider]*DocumentTotals{}},
		tokens:  &efaxTokens{ttl: s.opts.EFaxTokenTTL},
		stopped: make(chan struct{}),
	}
}

// routes is the whole HTTP surface of the API.
func (a *api) routes() http.Handler {
	mux := http.NewServeMux()
	for _, op := range []string{"DownloadInboundFaxAs", "DownloadOutboundFaxAs"} {
		mux.HandleFunc("GET /api/"+op+"Pdf", a.sfaxDocument(docfetch.PDF))
		mux.HandleFunc("GET /api/"+op+"Tif", a.sfaxDocument(docfetch.TIFF))
	}
	mux.HandleFunc("GET /v1.0/ReceiveFax/{faxId}/Document", a.gofaxDocument)
	mux.HandleFunc("POST /tokens", a.efaxToken)
	mux.HandleFunc("GET /faxes/{faxId}/image", a.efaxImage)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	return mux
}

// stop releases stalled answers; serving is ending.
func (a *api) stop() { a.once.Do(func() { close(a.stopped) }) }

// docAnswer is how one provider's API answers a document request.
type docAnswer struct {
	// notFound answers a document that is not available (yet).
	notFound func(w http.ResponseWriter)
	// wrap is the answer carrying the document: its content type and body.
	wrap func(k docKey, r rendered) (string, []byte)
}

// serveDocument answers a document request for k in format f, the
// credentials already checked: after the latency fault, the fetch's fault
// or the document.
func (a *api) serveDocument(w http.ResponseWriter, r *http.Request, k docKey, f docfetch.Format, ans docAnswer) {
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
	contentType, body := ans.wrap(k, doc)
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
func (a *api) refuse(w http.ResponseWriter, k docKey, kind fault, status int, ans docAnswer) bool {
	switch kind {
	case faultNotYet:
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.NotYet++ })
		ans.notFound(w)
	case faultError:
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.Errors++ })
		writeJSON(w, status, map[string]string{"message": "simulated server error"})
	case faultTooMany:
		a.stats.update(k.provider, func(t *DocumentTotals) { t.Faults.TooMany++ })
		w.Header().Set("Retry-After", a.faults.f.retryAfter())
		writeJSON(w, status, map[string]string{"message": "simulated rate limit"})
	default:
		return false
	}
	return true
}

// stall sends the first half of body, then nothing until the client gives
// up, serving ends or MaxStall passes; the answer is then cut short.
func (a *api) stall(w http.ResponseWriter, r *http.Request, body []byte) {
	_, _ = w.Write(body[:len(body)/2])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	a.wait(r, a.s.opts.MaxStall)
	panic(http.ErrAbortHandler) // cut the connection: the body is not complete
}

// wait waits d, unless the client goes away or serving ends first; it
// reports whether it waited d.
func (a *api) wait(r *http.Request, d time.Duration) bool {
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

// writeJSON answers status with v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
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
