package docker

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// tally is what landed of a simulator's run, for a FIGURE line.
type tally struct{ acked, events, documents, unreadable, lostOrDoubled int }

// violations are the broken promises found, by kind (LOST, DOUBLED,
// UNREADABLE: a document announced stored whose bytes do not read back,
// WRONG, UNEXPECTED), each told in a few words.
type violations map[string][]string

func (v violations) add(kind, format string, args ...any) {
	v[kind] = append(v[kind], fmt.Sprintf(format, args...))
}

// report fails t once for each kind of violation, a few of them shown.
func (v violations) report(t *testing.T) {
	t.Helper()
	for _, kind := range slices.Sorted(maps.Keys(v)) {
		list := v[kind]
		t.Errorf("%s: %d, e.g. %s", kind, len(list), strings.Join(list[:min(len(list), 5)], " | "))
	}
}

// checkLanded checks events and docs against rep (checkEvents,
// checkDocuments), fails t for what broke and counts what landed.
func checkLanded(ctx context.Context, t *testing.T, r reader, rep *sim.Report, events []consumer.Message[fax.Event], docs []consumer.Message[fax.DocumentAnnouncement]) tally {
	t.Helper()
	v := violations{}
	want := ackedFaxes(rep)
	tl := tally{acked: len(want), events: checkEvents(v, events, rep), documents: checkDocuments(ctx, v, r, docs, want)}
	v.report(t)
	tl.unreadable = len(v["UNREADABLE"])
	tl.lostOrDoubled = len(v["LOST"]) + len(v["DOUBLED"]) + tl.unreadable
	return tl
}

// checkEvents: each fax of rep with an acknowledged callback is exactly one
// event, the one the simulator expects; a fax none of whose callbacks was
// acknowledged is at most one (a 503 does not say nothing was stored); no
// other event appeared. It returns how many acknowledged faxes are one
// event.
func checkEvents(v violations, events []consumer.Message[fax.Event], rep *sim.Report) (once int) {
	faxes := map[string]sim.Fax{}
	for _, f := range rep.Faxes {
		faxes[f.EventID] = f
	}
	seen := map[string]int{}
	for _, e := range events {
		seen[e.ID]++
		f, ok := faxes[e.ID]
		if !ok {
			v.add("UNEXPECTED", "event %s %s fax %s", e.ID, e.Type, e.Data.FaxID)
			continue
		}
		d := e.Data
		if string(d.Provider) != f.Provider || d.Account != f.Account || d.FaxID != f.FaxID ||
			string(d.Direction) != f.Direction || string(d.Channel) != f.Channel || e.Type != f.EventType {
			v.add("WRONG", "event %s: %s %s/%s fax %s %s %s, want %s %s/%s fax %s %s %s", e.ID, e.Type, d.Provider, d.Account,
				d.FaxID, d.Channel, d.Direction, f.EventType, f.Provider, f.Account, f.FaxID, f.Channel, f.Direction)
		}
	}
	for id, f := range faxes {
		switch n := seen[id]; {
		case f.Acked && n == 1:
			once++
		case f.Acked && n == 0:
			v.add("LOST", "%s fax %s (event %s), acknowledged", f.Provider, f.FaxID, id)
		case n > 1:
			v.add("DOUBLED", "%s fax %s (event %s, acknowledged %v) ×%d", f.Provider, f.FaxID, id, f.Acked, n)
		}
	}
	return once
}

// checkDocuments: each received fax's document is announced stored once,
// with the simulator's SHA-256, and the stored bytes read back have that
// SHA-256. It returns how many are.
func checkDocuments(ctx context.Context, v violations, r reader, docs []consumer.Message[fax.DocumentAnnouncement], want map[string]sim.Fax) (stored int) {
	byEvent := announced(docs, want)
	for id, f := range withDocument(want) {
		ds := byEvent[id]
		switch {
		case len(ds) == 0:
			v.add("LOST", "%s fax %s document, not announced", f.Provider, f.FaxID)
			continue
		case len(ds) > 1:
			v.add("DOUBLED", "%s fax %s document, announced %d times", f.Provider, f.FaxID, len(ds))
			continue
		case ds[0].Outcome != fax.DocumentStored:
			v.add("LOST", "%s fax %s document, announced %+v", f.Provider, f.FaxID, ds[0])
			continue
		}
		if ds[0].SHA256 != f.Document.SHA256 {
			v.add("WRONG", "%s fax %s: announced sha256 %s, simulator served %s", f.Provider, f.FaxID, ds[0].SHA256, f.Document.SHA256)
			continue
		}
		got, err := r.storedSHA256(ctx, ds[0])
		if err != nil || got != f.Document.SHA256 {
			v.add("UNREADABLE", "%s fax %s: stored bytes sha256 %s (%v), want %s [%s]", f.Provider, f.FaxID, got, err, f.Document.SHA256, r.objectChunks(ctx, ds[0]))
			continue
		}
		stored++
	}
	return stored
}

// withDocument is the faxes of want whose document faxpipe must store.
func withDocument(want map[string]sim.Fax) map[string]sim.Fax {
	out := map[string]sim.Fax{}
	for id, f := range want {
		if f.Document != nil {
			out[id] = f
		}
	}
	return out
}

// announced groups the announcements of want's faxes by their event id.
func announced(docs []consumer.Message[fax.DocumentAnnouncement], want map[string]sim.Fax) map[string][]fax.DocumentAnnouncement {
	out := map[string][]fax.DocumentAnnouncement{}
	for _, d := range docs {
		if _, ok := want[d.Data.EventID]; ok {
			out[d.Data.EventID] = append(out[d.Data.EventID], d.Data)
		}
	}
	return out
}
