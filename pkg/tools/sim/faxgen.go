package sim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

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
	// generator's single goroutine, in docFormat (see formatFor).
	document  bool
	docFormat docfetch.Format
	// listed is the provider's record of the fax for its listing API
	// (Webhook.Listed); nil for a fax it does not list.
	listed any
	// lost is set when the provider never sends the callback
	// (Options.LoseRate); the report says so (Fax.Lost).
	lost bool
	// path is the callback's path: /callbacks/{provider}/{account}.
	path string
	// build makes the callback's request for an attempt sent at now.
	build func(now time.Time) (Request, error)
	// acked tells the provider's success from the answer's status,
	// content type and body.
	acked func(status int, contentType string, body []byte) bool
}

// okStatus is the success of most providers: a 200, whatever the body.
func okStatus(status int, _ string, _ []byte) bool { return status == http.StatusOK }

// kindWeights is the mix of kinds sent, by weight.
var kindWeights = map[string]int{KindFaxIn: 55, KindFaxOut: 35, KindSMS: 10, KindPing: 10}

// generator makes the faxes of a run, one at a time, from three seeded
// generators: values (ids, numbers, texts), decisions (provider, kind,
// failure, duplicate, order) and losses (Options.LoseRate), so that
// changing a rate does not change the faxes. Losses have a generator of
// their own, drawn once for every fax, so that a seed gives the same
// faxes and decisions as before the lose rate existed. It is used by one
// goroutine.
type generator struct {
	opts      Options
	sims      map[fax.Provider]Provider
	accounts  map[fax.Provider][]Account
	providers []fax.Provider // those with an account and a kind to send
	draw      *Draw          // values: ids, numbers, texts
	decide    *rand.Rand
	lose      *rand.Rand
	seq       int
}

func newGenerator(sims []Provider, accounts config.Accounts, opts Options) (*generator, error) {
	g := &generator{
		opts:     opts,
		sims:     map[fax.Provider]Provider{},
		accounts: map[fax.Provider][]Account{},
		draw: &Draw{
			Rand:    rand.New(rand.NewPCG(opts.Seed, 1)), //nolint:gosec // G404: a seeded, reproducible simulation
			Options: opts,
			issued:  map[string]bool{},
		},
		decide: rand.New(rand.NewPCG(opts.Seed, 2)), //nolint:gosec // G404: idem
		lose:   rand.New(rand.NewPCG(opts.Seed, 3)), //nolint:gosec // G404: idem
	}
	for _, ps := range sims {
		spec := ps.Spec()
		g.sims[spec.Name] = ps
		g.accounts[spec.Name] = accountsOf(spec, accounts)
	}
	for _, p := range opts.Providers {
		if len(g.accounts[p]) == 0 && (opts.Count > 0 || opts.Rate > 0) {
			return nil, fmt.Errorf("provider %s has no configured account", p)
		}
		if len(g.accounts[p]) > 0 && len(g.kindsOf(p)) > 0 && !slices.Contains(g.providers, p) {
			g.providers = append(g.providers, p)
		}
	}
	if len(g.providers) == 0 && (opts.Count > 0 || opts.Rate > 0) {
		return nil, errors.New("no configured account of the chosen providers can send the chosen kinds")
	}
	return g, nil
}

// accountsOf is every account of spec's provider among accounts, in
// their order, pointing into accounts.
func accountsOf(spec Spec, accounts config.Accounts) []Account {
	var out []Account
	for _, acc := range accounts {
		if acc.Provider() == spec.Name {
			id := acc.Base().ID
			out = append(out, Account{ID: id, Config: acc, Lines: accountLines(spec.Name, id, spec.Line)})
		}
	}
	return out
}

// kindsOf is what p sends among the chosen kinds.
func (g *generator) kindsOf(p fax.Provider) []string {
	var out []string
	for _, k := range g.sims[p].Spec().Kinds {
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
	lose := g.lose.Float64() < g.opts.LoseRate // drawn for every fax, lost or not
	g.seq++
	base := Fax{Seq: g.seq, Provider: string(p), Account: a.ID, CompletedAt: now.UTC().Truncate(time.Second)}
	ps := g.sims[p]
	spec := ps.Spec()
	w := ps.Webhook(g.draw, a, kind, failed, base)
	f := &simFax{report: w.Fax, duplicate: dup, document: w.Document, path: callbackPath(p, a.ID), build: w.Request, acked: w.Acked,
		policy: spec.Policy.scaled(g.opts.RetryScale, g.opts.CallbackTimeout)}
	if f.acked == nil {
		f.acked = okStatus
	}
	if w.Listed != nil {
		f.listed, f.report.Listed = w.Listed, true
		f.lost = lose && kind == KindFaxIn
		f.report.Lost = f.lost
	}
	if spec.FormatChoice {
		f.docFormat = g.opts.Format
	}
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

// callbackPath is faxpipe's callback path of an account.
func callbackPath(p fax.Provider, account string) string {
	return "/callbacks/" + string(p) + "/" + url.PathEscape(account)
}
