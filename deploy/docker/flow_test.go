package docker

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/sim"
)

// simulatedFaxes is how many faxes the simulator sends, across providers.
const simulatedFaxes = 30

// simulatedFaxesLand runs the simulator as a container against the
// ingress: every fax it got a 200 for must be exactly one event, and every
// received fax's document, fetched by the downloader from the simulator
// container, must be stored with the SHA-256 the simulator reported.
func simulatedFaxesLand(ctx context.Context, t *testing.T, c *cluster) {
	r := newReader(t, c.natsURL)
	before, err := r.events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep := c.runSimulator(ctx, t)
	want := map[string]sim.Fax{}
	for _, f := range rep.Faxes {
		if f.Acked {
			want[f.EventID] = f
		}
	}
	if len(want) == 0 {
		t.Fatalf("the simulator got no callback acknowledged: %+v", rep.Total)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	events := waitFor(waitCtx, t, "an event per acknowledged fax", r.events, func(es []consumer.Message[fax.Event]) bool {
		return len(es) >= len(before)+len(want)
	})
	checkEvents(t, events[len(before):], want)
	docs := waitFor(waitCtx, t, "a document per received fax", r.documents, func(ds []consumer.Message[fax.Document]) bool {
		return len(announced(ds, want)) == len(withDocument(want))
	})
	checkDocuments(waitCtx, t, r, docs, want)
}

// runSimulator sends simulatedFaxes faxes of every provider from a
// container on the cluster's network, and returns its report.
func (c *cluster) runSimulator(ctx context.Context, t *testing.T) *sim.Report {
	t.Helper()
	out := t.TempDir()
	if err := os.Chmod(out, 0o777); err != nil { // written by the image's user
		t.Fatal(err)
	}
	s := c.service("sender", "sim", "-target", "http://ingress:8080", "-api-listen", "",
		"-providers", "sfax,gofax,efax", "-count", strconv.Itoa(simulatedFaxes),
		"-retry-scale", "0.01", "-linger", "0s", "-report", "/out/report.json")
	s.binds = append(s.binds, out+":/out")
	s.wait = wait.ForExit().WithExitTimeout(90 * time.Second)
	ctr := s.start(ctx, t, c.network)
	state, err := ctr.State(ctx)
	if err != nil || state.ExitCode != 0 {
		t.Fatalf("simulator: exit %v, %v:\n%s", state, err, logTail(ctr, 30))
	}
	b, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var rep sim.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("report: %v", err)
	}
	t.Logf("simulator: %d faxes, %d acknowledged callbacks", len(rep.Faxes), rep.Total.Acked)
	return &rep
}

// checkEvents: each acknowledged fax is exactly one event, the one the
// simulator expects, and no other event appeared.
func checkEvents(t *testing.T, events []consumer.Message[fax.Event], want map[string]sim.Fax) {
	t.Helper()
	seen := map[string]int{}
	for _, e := range events {
		seen[e.ID]++
		f, ok := want[e.ID]
		if !ok {
			t.Errorf("unexpected event %s %s fax %s", e.ID, e.Type, e.Data.FaxID)
			continue
		}
		d := e.Data
		if string(d.Provider) != f.Provider || d.Account != f.Account || d.FaxID != f.FaxID ||
			string(d.Direction) != f.Direction || string(d.Channel) != f.Channel || e.Type != f.EventType {
			t.Errorf("event %s: %s %s/%s fax %s %s %s, want %s %s/%s fax %s %s %s", e.ID, e.Type, d.Provider, d.Account,
				d.FaxID, d.Channel, d.Direction, f.EventType, f.Provider, f.Account, f.FaxID, f.Channel, f.Direction)
		}
	}
	for id, f := range want {
		if seen[id] != 1 {
			t.Errorf("%s fax %s (event %s): %d events, want exactly 1", f.Provider, f.FaxID, id, seen[id])
		}
	}
}

// checkDocuments: each received fax's document is announced stored once,
// with the simulator's SHA-256, and the stored bytes have that SHA-256.
func checkDocuments(ctx context.Context, t *testing.T, r reader, docs []consumer.Message[fax.Document], want map[string]sim.Fax) {
	t.Helper()
	byEvent := announced(docs, want)
	for id, f := range withDocument(want) {
		ds := byEvent[id]
		if len(ds) != 1 || ds[0].Outcome != fax.DocumentStored {
			t.Errorf("%s fax %s: announcements %+v, want one stored", f.Provider, f.FaxID, ds)
			continue
		}
		if ds[0].SHA256 != f.Document.SHA256 {
			t.Errorf("%s fax %s: announced sha256 %s, simulator served %s", f.Provider, f.FaxID, ds[0].SHA256, f.Document.SHA256)
		}
		got, err := r.storedSHA256(ctx, ds[0])
		if err != nil || got != f.Document.SHA256 {
			t.Errorf("%s fax %s: stored bytes sha256 %s (%v), want %s", f.Provider, f.FaxID, got, err, f.Document.SHA256)
		}
	}
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
func announced(docs []consumer.Message[fax.Document], want map[string]sim.Fax) map[string][]fax.Document {
	out := map[string][]fax.Document{}
	for _, d := range docs {
		if _, ok := want[d.Data.EventID]; ok {
			out[d.Data.EventID] = append(out[d.Data.EventID], d.Data)
		}
	}
	return out
}
