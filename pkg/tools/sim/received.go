package sim

import (
	"sync"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// maxReceived bounds the received faxes a simulator keeps for its
// providers' listings: past it, the oldest drops out of every listing (a
// long-running simulator forgets faxes that a reconciler has long since
// listed). A fax kept takes about a kilobyte with the provider's record
// of it: some 100 MB at most.
const maxReceived = 100000

// receivedFax is one fax a provider lists: its report entry as generated
// and the provider's own record of it (Webhook.Listed).
type receivedFax struct {
	fax    Fax
	listed any
}

// receivedStore keeps the faxes the providers list, in the order they
// were generated: a ring of at most limit faxes, the oldest overwritten
// first. It is safe for concurrent use.
type receivedStore struct {
	limit int

	mu    sync.Mutex
	faxes []receivedFax
	next  int // where the next fax goes once the ring is full: the oldest
}

// newReceivedStore keeps at most limit faxes.
func newReceivedStore(limit int) *receivedStore { return &receivedStore{limit: limit} }

// add keeps f, the fax's report entry as generated, with the provider's
// record listed.
func (s *receivedStore) add(f Fax, listed any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faxes) < s.limit {
		s.faxes = append(s.faxes, receivedFax{f, listed})
		return
	}
	s.faxes[s.next] = receivedFax{f, listed}
	s.next = (s.next + 1) % s.limit
}

// of returns the faxes kept of provider p's account with a completion
// time in [from, to), in the order they were generated.
func (s *receivedStore) of(p fax.Provider, account string, from, to time.Time) []receivedFax {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []receivedFax
	for i := range s.faxes {
		r := s.faxes[(s.next+i)%len(s.faxes)]
		f := r.fax
		if f.Provider == string(p) && f.Account == account && !f.CompletedAt.Before(from) && f.CompletedAt.Before(to) {
			out = append(out, r)
		}
	}
	return out
}
