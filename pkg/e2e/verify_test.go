package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// tally is what a run delivered, for the suites' figures.
type tally struct {
	acked, events, documents, givenUp, rejected int
	lost, doubled, wrong                        []string
}

// verify checks faxpipe's promise against what the simulator sent: every
// fax owed an event (its callback acknowledged, or its webhook lost and
// the fax listed by the provider's API) is exactly one event with the fields
// the simulator announced, no event is doubled or unknown, and every
// received fax's document is stored exactly once with the bytes the
// simulator served. It reports each violation as a test error.
func verify(t testing.TB, r *sim.Report, l landed) tally {
	t.Helper()
	byID := map[string][]landedEvent{}
	for _, e := range l.events {
		byID[e.ID] = append(byID[e.ID], e)
	}
	docs := map[string][]landedDocument{}
	for _, d := range l.documents {
		docs[d.Data.EventID] = append(docs[d.Data.EventID], d)
	}
	var tl tally
	tl.rejected = int(l.rejected)
	sent := map[string]bool{}
	for _, f := range r.Faxes {
		sent[f.EventID] = true
		evs := byID[f.EventID]
		switch {
		case !f.Owed():
			tl.givenUp++
			if len(evs) > 1 {
				tl.doubled = append(tl.doubled, name(f))
			}
			continue
		case len(evs) == 0:
			tl.lost = append(tl.lost, name(f))
			continue
		case len(evs) > 1:
			tl.doubled = append(tl.doubled, fmt.Sprintf("%s ×%d", name(f), len(evs)))
		}
		tl.acked++
		tl.events++
		if diff := eventDiff(f, evs[0]); diff != "" {
			tl.wrong = append(tl.wrong, name(f)+": "+diff)
		}
		if f.Document != nil {
			tl.documents += checkDocument(&tl, f, docs[f.EventID])
		}
	}
	for id, evs := range byID {
		if !sent[id] {
			tl.wrong = append(tl.wrong, fmt.Sprintf("event %s (%s) that the simulator did not announce", id, evs[0].Subject))
		}
	}
	report(t, tl)
	return tl
}

// checkDocument counts a document stored exactly once with the served bytes.
func checkDocument(tl *tally, f sim.Fax, ds []landedDocument) int {
	var stored []landedDocument
	for _, d := range ds {
		if d.Data.Outcome == fax.DocumentStored {
			stored = append(stored, d)
		}
	}
	switch {
	case len(stored) == 0:
		tl.lost = append(tl.lost, name(f)+" document ("+outcomes(ds)+")")
		return 0
	case len(stored) > 1:
		tl.doubled = append(tl.doubled, fmt.Sprintf("%s document ×%d", name(f), len(stored)))
	}
	d := stored[0]
	if d.ReadSHA256 != f.Document.SHA256 || d.Data.SHA256 != f.Document.SHA256 {
		tl.wrong = append(tl.wrong, fmt.Sprintf("%s document: stored sha256 %s (announced %s), served %s",
			name(f), d.ReadSHA256, d.Data.SHA256, f.Document.SHA256))
	}
	if d.Data.Pages == nil || *d.Data.Pages != f.Document.Pages {
		tl.wrong = append(tl.wrong, fmt.Sprintf("%s document: pages %v, served %d", name(f), d.Data.Pages, f.Document.Pages))
	}
	return 1
}

func outcomes(ds []landedDocument) string {
	if len(ds) == 0 {
		return "no announcement"
	}
	var out []string
	for _, d := range ds {
		out = append(out, string(d.Data.Outcome)+" "+string(d.Data.Reason)+" "+d.Data.Detail)
	}
	return strings.Join(out, "; ")
}

// eventDiff names the fields of e that differ from what f announced.
func eventDiff(f sim.Fax, e landedEvent) string {
	d := e.Data
	var diffs []string
	check := func(field, got, want string) {
		if got != want {
			diffs = append(diffs, fmt.Sprintf("%s %q, want %q", field, got, want))
		}
	}
	check("subject", e.Subject, f.Subject)
	check("type", e.Type, f.EventType)
	check("provider", string(d.Provider), f.Provider)
	check("account", d.Account, f.Account)
	check("fax_id", d.FaxID, f.FaxID)
	check("direction", string(d.Direction), f.Direction)
	check("channel", string(d.Channel), f.Channel)
	check("outcome", string(d.Outcome), f.Outcome)
	check("from", number(d.From), f.From)
	check("to", number(d.To), f.To)
	if f.Pages > 0 && (d.Pages == nil || *d.Pages != f.Pages) {
		diffs = append(diffs, fmt.Sprintf("pages %v, want %d", d.Pages, f.Pages))
	}
	if d.Document != (f.Document != nil) {
		diffs = append(diffs, fmt.Sprintf("document %v, want %v", d.Document, f.Document != nil))
	}
	return strings.Join(diffs, ", ")
}

func number(p *fax.Party) string {
	if p == nil {
		return ""
	}
	return p.Number
}

func name(f sim.Fax) string { return f.Provider + "/" + f.Account + "/" + f.Kind + "/" + f.FaxID }

// report fails t for every violation, a few of each kind shown.
func report(t testing.TB, tl tally) {
	t.Helper()
	for _, v := range []struct {
		what string
		list []string
	}{{"LOST", tl.lost}, {"DOUBLED", tl.doubled}, {"WRONG", tl.wrong}} {
		if len(v.list) > 0 {
			t.Errorf("%s: %d, e.g. %s", v.what, len(v.list), strings.Join(v.list[:min(len(v.list), 5)], " | "))
		}
	}
}

// awaitLanded polls what landed until every acknowledged fax has its event
// and every expected document an announcement, or timeout passes; it
// returns what landed last.
func awaitLanded(t testing.TB, js jetstream.JetStream, r *sim.Report, timeout time.Duration) landed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		l := readLanded(t, js)
		if complete(r, l) || ctx.Err() != nil {
			return l
		}
		select {
		case <-ctx.Done():
		case <-time.After(500 * time.Millisecond):
		}
	}
}

func complete(r *sim.Report, l landed) bool {
	events, docs := map[string]bool{}, map[string]bool{}
	for _, e := range l.events {
		events[e.ID] = true
	}
	for _, d := range l.documents {
		docs[d.Data.EventID] = true
	}
	for _, f := range r.Faxes {
		if f.Owed() && (!events[f.EventID] || f.Document != nil && !docs[f.EventID]) {
			return false
		}
	}
	return true
}
