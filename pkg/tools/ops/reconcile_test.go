package ops_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/reconciler"
	"github.com/faxpipe/faxpipe/pkg/tools/ops"
)

// fakeRun reports one fax found and a tally, and records the options.
type fakeRun struct {
	opts reconciler.RangeOptions
	err  error
}

func (f *fakeRun) run(_ context.Context, opts reconciler.RangeOptions) (reconciler.Tally, error) {
	f.opts = opts
	opts.Progress(1, 2, reconciler.Tally{Listed: 3})
	opts.Found(reconciler.Found{Provider: fax.Sfax, Account: "demo", FaxID: "2150102030405000000",
		CompletedAt: time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC), EventID: "eeaa7035-5619-5f76-bf55-bbfc5ed8af5e"})
	opts.Progress(2, 2, reconciler.Tally{Listed: 5, Seen: 4, Missing: 1})
	return reconciler.Tally{Listed: 5, Seen: 4, Missing: 1}, f.err
}

func TestReconcileCommand(t *testing.T) {
	f := &fakeRun{}
	var out, errOut bytes.Buffer
	err := ops.Reconcile(context.Background(), f.run, []string{"--from", "2026-12-01", "--to", "2026-12-02", "--provider", "sfax", "--dry-run"}, &out, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	want := reconciler.RangeOptions{Provider: fax.Sfax, DryRun: true}
	if f.opts.Provider != want.Provider || f.opts.Account != "" || !f.opts.DryRun ||
		!f.opts.Window.From.Equal(time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)) || !f.opts.Window.To.Equal(time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("options %+v", f.opts)
	}
	for _, s := range []string{
		"missing  sfax/demo fax 2150102030405000000 completed 2026-12-01T08:00:00Z event eeaa7035-5619-5f76-bf55-bbfc5ed8af5e",
		"listed 5: 4 already events, 0 fed in earlier and not yet processed, 1 never heard of (dry run: nothing fed in)",
	} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
}

func TestReconcileCommandJSON(t *testing.T) {
	f := &fakeRun{err: errors.New("window failed")}
	var out, errOut bytes.Buffer
	err := ops.Reconcile(context.Background(), f.run, []string{"--from", "24h", "--json"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "window failed") {
		t.Fatalf("error %v, want the run's", err)
	}
	if f.opts.Window.To.IsZero() || f.opts.Window.To.Sub(f.opts.Window.From) != 24*time.Hour {
		t.Errorf("window %v, want the last 24 h", f.opts.Window)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want a found line and a summary line, got:\n%s", out.String())
	}
	var found struct {
		Found reconciler.Found `json:"found"`
		Fed   bool             `json:"fed"`
	}
	var summary struct {
		Summary reconciler.Tally `json:"summary"`
	}
	if json.Unmarshal([]byte(lines[0]), &found) != nil || found.Found.FaxID != "2150102030405000000" || !found.Fed {
		t.Errorf("found line %s", lines[0])
	}
	if json.Unmarshal([]byte(lines[1]), &summary) != nil || summary.Summary.Missing != 1 {
		t.Errorf("summary line %s", lines[1])
	}
}

func TestReconcileCommandNeedsFrom(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := ops.Reconcile(context.Background(), (&fakeRun{}).run, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "--from") {
		t.Fatalf("error %v, want --from is required", err)
	}
	if err := ops.Reconcile(context.Background(), nil, []string{"-h"}, &out, &errOut); err != nil {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(errOut.String(), "usage: faxpipe reconcile") {
		t.Errorf("usage not printed:\n%s", errOut.String())
	}
}
