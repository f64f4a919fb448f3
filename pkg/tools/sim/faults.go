package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math"
	"net/http"
	"strconv"
	"sync"
)

// fault is what the API does to one document request.
type fault int

const (
	faultNone fault = iota
	faultNotYet
	faultError
	faultTooMany
	faultStall
)

// faultInjector decides the fault of each document request. The n-th
// fetch of a fax meets a fault drawn from a hash of (seed, fax, n), so
// which fetches fail does not depend on the order requests arrive in.
type faultInjector struct {
	f    Faults
	seed uint64

	mu      sync.Mutex
	fetches map[docKey]int
}

// maxTracked bounds the faxes whose fetches are counted; past it the
// counts start again (a long-running API forgets old faxes).
const maxTracked = 100000

// decide returns the fault of the next fetch of k and, for an error, its
// status.
func (fi *faultInjector) decide(k docKey) (fault, int) {
	n := fi.fetch(k)
	if n < fi.f.NotYetAvailable {
		return faultNotYet, http.StatusNotFound
	}
	u := fi.uniform(k, n)
	switch {
	case u < fi.f.ErrorRate:
		return faultError, []int{http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable}[n%3]
	case u < fi.f.ErrorRate+fi.f.TooManyRate:
		return faultTooMany, http.StatusTooManyRequests
	case u < fi.f.ErrorRate+fi.f.TooManyRate+fi.f.StallRate:
		return faultStall, http.StatusOK
	}
	return faultNone, http.StatusOK
}

// fetch counts a fetch of k and returns how many came before it.
func (fi *faultInjector) fetch(k docKey) int {
	if fi.f.NotYetAvailable == 0 && fi.f.ErrorRate+fi.f.TooManyRate+fi.f.StallRate == 0 {
		return 0 // nothing depends on the count
	}
	fi.mu.Lock()
	defer fi.mu.Unlock()
	if fi.fetches == nil || len(fi.fetches) >= maxTracked {
		fi.fetches = map[docKey]int{}
	}
	n := fi.fetches[k]
	fi.fetches[k] = n + 1
	return n
}

// uniform is a number in [0, 1) drawn from (seed, k, n).
func (fi *faultInjector) uniform(k docKey, n int) float64 {
	h := sha256.New()
	_ = binary.Write(h, binary.BigEndian, fi.seed)
	h.Write([]byte(string(k.provider) + "\x00" + k.account + "\x00" + k.faxID + "\x00" + strconv.Itoa(n)))
	v := binary.BigEndian.Uint64(h.Sum(nil)[:8])
	return float64(v>>11) / (1 << 53)
}

// retryAfter is the Retry-After value of a 429: whole seconds, at least 1.
func (f Faults) retryAfter() string {
	return strconv.Itoa(int(math.Max(1, math.Ceil(f.RetryAfter.Seconds()))))
}
