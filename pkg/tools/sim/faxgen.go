package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// account is one configured account the simulator sends as; exactly one
// of the provider fields is set.
type account struct {
	provider fax.Provider
	id       string
	sfax     *sfax.Account
	gofax    *gofax.Account
	efax     *efax.Account
	lines    []phone // the account's own fax numbers
}

// request is one HTTP request of a callback, relative to the target.
type request struct {
	method   string
	path     string // /callbacks/{provider}/{account}
	rawQuery string
	header   http.Header
	body     []byte
}

// simFax is one fax being delivered: its report entry (the expected
// event, then the deliveries), how its provider delivers it and how its
// callback is made.
type simFax struct {
	report     Fax
	policy     Policy
	duplicate  bool // send its callback again after the first 200
	outOfOrder bool
	// document is set for a received fax whose event leads the downloader
	// to fetch a document; the deliverer draws it for the report, off the
	// generator's single goroutine.
	document bool
	// build makes the callback's request for an attempt sent at now; Sfax
	// makes a new token for each.
	build func(now time.Time) (request, error)
	// acked tells the provider's success from the answer's status,
	// content type and body.
	acked func(status int, contentType string, body []byte) bool
}

// okStatus is the success of Sfax and GoFax: a 200, whatever the body.
func okStatus(status int, _ string, _ []byte) bool { return status == http.StatusOK }

// kindWeights is the mix of kinds sent, by weight.
var kindWeights = map[string]int{KindFaxIn: 55, KindFaxOut: 35, KindSMS: 10, KindPing: 10}

// providerKinds lists what each provider sends.
var providerKinds = map[fax.Provider][]string{
	fax.Sfax:  {KindFaxIn, KindFaxOut},
	fax.GoFax: {KindFaxIn, KindFaxOut, KindSMS},
	fax.EFax:  {KindFaxIn, KindFaxOut, KindPing},
}

// generator makes the faxes of a run, one at a time, from two seeded
// generators: values (ids, numbers, texts) and decisions (provider, kind,
// failure, duplicate, order), so that changing a rate does not change the
// faxes. It is used by one goroutine.
type generator struct {
	opts      Options
	accounts  map[fax.Provider][]account
	providers []fax.Provider // those with an account and a kind to send
	values    *rand.Rand
	decide    *rand.Rand
	issued    map[string]bool // ids already used, so none repeats within a run
	seq       int
}

func newGenerator(accts []account, opts Options) (*generator, error) {
	g := &generator{
		opts:     opts,
		accounts: map[fax.Provider][]account{},
		values:   rand.New(rand.NewPCG(opts.Seed, 1)), //nolint:gosec // G404: a seeded, reproducible simulation
		decide:   rand.New(rand.NewPCG(opts.Seed, 2)), //nolint:gosec // G404: idem
		issued:   map[string]bool{},
	}
	for _, a := range accts {
		g.accounts[a.provider] = append(g.accounts[a.provider], a)
	}
	for _, p := range opts.Providers {
		if len(g.accounts[p]) > 0 && len(g.kindsOf(p)) > 0 && !slices.Contains(g.providers, p) {
			g.providers = append(g.providers, p)
		}
	}
	if len(g.providers) == 0 && (opts.Count > 0 || opts.Rate > 0) {
		return nil, errors.New("no configured account of the chosen providers can send the chosen kinds")
	}
	return g, nil
}

// kindsOf is what p sends among the chosen kinds.
func (g *generator) kindsOf(p fax.Provider) []string {
	var out []string
	for _, k := range providerKinds[p] {
		if slices.Contains(g.opts.Kinds, k) {
			out = append(out, k)
		}
	}
	return out
}

// next makes the next fax, completed at now.
func (g *generator) next(now time.Time) *simFax {
	p := g.providers[g.decide.IntN(len(g.providers))]
	accts := g.accounts[p]
	a := accts[g.decide.IntN(len(accts))]
	kind := g.pickKind(p)
	failed := g.decide.Float64() < g.opts.FailRate
	dup := g.decide.Float64() < g.opts.DuplicateRate
	g.seq++
	base := Fax{Seq: g.seq, Provider: string(p), Account: a.id, CompletedAt: now.UTC().Truncate(time.Second)}
	var f *simFax
	switch p {
	case fax.Sfax:
		f = g.sfaxFax(a, kind, failed, base)
	case fax.GoFax:
		f = g.gofaxFax(a, kind, failed, base)
	default:
		f = g.efaxFax(a, kind, failed, base)
	}
	f.duplicate = dup
	f.policy = Policies[p].scaled(g.opts.RetryScale, g.opts.CallbackTimeout)
	g.expect(f)
	return f
}

func (g *generator) pickKind(p fax.Provider) string {
	kinds := g.kindsOf(p)
	total := 0
	for _, k := range kinds {
		total += kindWeights[k]
	}
	r := g.decide.IntN(total)
	for _, k := range kinds {
		if r < kindWeights[k] {
			return k
		}
		r -= kindWeights[k]
	}
	return kinds[len(kinds)-1]
}

// expect fills the event faxpipe should make of f, and its document.
func (g *generator) expect(f *simFax) {
	r := &f.report
	ev := fax.Event{
		Provider: fax.Provider(r.Provider), Account: r.Account, Channel: fax.Channel(r.Channel),
		Direction: fax.Direction(r.Direction), FaxID: r.FaxID, Outcome: fax.Outcome(r.Outcome),
	}
	r.EventID, r.EventType, r.Subject = ev.ID(), ev.Type(), ev.Subject()
}

// uniqueID draws ids with draw until one not issued before in this run
// for the provider, account and channel.
func (g *generator) uniqueID(r *Fax, draw func() string) string {
	for {
		id := draw()
		key := fmt.Sprintf("%s/%s/%s/%s", r.Provider, r.Account, r.Channel, id)
		if !g.issued[key] {
			g.issued[key] = true
			return id
		}
	}
}

// pagesOf is the page count of the fax's document, which its callback
// announces.
func pagesOf(r *Fax) int {
	return docKey{fax.Provider(r.Provider), r.Account, r.FaxID}.pages()
}

// outcomeOf is the outcome of a sent fax or SMS.
func outcomeOf(success bool) string {
	if success {
		return string(fax.OutcomeDelivered)
	}
	return string(fax.OutcomeFailed)
}
