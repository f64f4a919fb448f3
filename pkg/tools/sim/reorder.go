package sim

import "math/rand/v2"

// reorderer delivers a share of faxes out of order: each fax is held back,
// with probability rate, until 1 to 3 later faxes have been dispatched
// (eFax: "order is not guaranteed" [doc]). A held fax is marked out of
// order only if a later fax really went before it.
type reorderer struct {
	rate float64
	rng  *rand.Rand
	held []*heldFax
}

type heldFax struct {
	f         *simFax
	wait      int  // later faxes still to go first
	overtaken bool // a later fax went first
}

// push takes the next fax in completion order and returns those to
// dispatch now, in order.
func (r *reorderer) push(f *simFax) []*simFax {
	// Both draws happen for every fax, so the rate changes no other choice.
	hold, wait := r.rng.Float64() < r.rate, 1+r.rng.IntN(3)
	if hold {
		r.held = append(r.held, &heldFax{f: f, wait: wait})
		return nil
	}
	out := []*simFax{f}
	keep := r.held[:0]
	for _, h := range r.held {
		h.overtaken = true
		if h.wait--; h.wait > 0 {
			keep = append(keep, h)
			continue
		}
		h.f.outOfOrder = true
		out = append(out, h.f)
	}
	r.held = keep
	return out
}

// flush returns the faxes still held, the latest first, so that each one
// but the latest is overtaken.
func (r *reorderer) flush() []*simFax {
	out := make([]*simFax, 0, len(r.held))
	for i := len(r.held) - 1; i >= 0; i-- {
		h := r.held[i]
		h.f.outOfOrder = h.overtaken || i < len(r.held)-1
		out = append(out, h.f)
	}
	r.held = nil
	return out
}
