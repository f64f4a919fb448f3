package sim_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/simtest"
)

// received sends count received faxes from a simulator serving its API
// with opts, and returns the simulator, its report and the events faxpipe
// makes of the callbacks.
func received(t *testing.T, count int, opts sim.Options) (*sim.Simulator, *sim.Report, []fax.Event) {
	t.Helper()
	opts.APIListen, opts.RewriteAPIBaseURL = "127.0.0.1:0", true
	opts.Count, opts.Kinds = count, []string{sim.KindFaxIn}
	opts.FailRate = -1
	in := newIngress(t, testAccounts("http://placeholder.invalid"))
	opts.Target = in.srv.URL
	s := newSim(t, testAccounts("http://placeholder.invalid"), opts)
	serveAPI(t, s)
	in.accounts = s.Accounts()
	rep := simtest.Run(t, s)
	var events []fax.Event
	normalize := normalizer(t, s.Accounts())
	for _, env := range in.envelopes() {
		ev, err := normalize(env)
		if err != nil {
			t.Fatalf("callback rejected: %v", err)
		}
		events = append(events, ev)
	}
	return s, rep, events
}

// documentClients are faxpipe's own document clients for accounts.
func documentClients(t *testing.T, accounts config.Accounts) provider.DocumentClients {
	t.Helper()
	cs, err := provider.NewDocumentClients(accounts, docfetch.Options{HTTP: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// fetch downloads ev's document in format f with faxpipe's clients.
func fetch(ctx context.Context, cs provider.DocumentClients, ev fax.Event, f docfetch.Format) ([]byte, error) {
	rc, err := cs.Fetch(ctx, docfetch.Request{Event: ev, Format: f})
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(rc)
}

// TestDocumentsServedToFaxpipesClients fetches every received fax's
// document, as PDF and as TIFF, with faxpipe's real document clients:
// each must be the document the report announces (SHA-256, size), a
// valid file with the announced page count.
func TestDocumentsServedToFaxpipesClients(t *testing.T) {
	s, rep, events := received(t, 12, sim.Options{Seed: 21, Format: docfetch.TIFF})
	cs := documentClients(t, s.Accounts())
	faxes := map[string]sim.Fax{}
	for _, f := range rep.Faxes {
		faxes[f.EventID] = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, ev := range events {
		f := faxes[ev.ID()]
		if f.Document == nil {
			t.Fatalf("received fax %s has no document in the report", ev.FaxID)
		}
		for _, format := range []docfetch.Format{docfetch.PDF, docfetch.TIFF} {
			body, err := fetch(ctx, cs, ev, format)
			if err != nil {
				t.Fatalf("%s %s as %s: %v", ev.Provider, ev.FaxID, format, err)
			}
			want := s.ExpectedDocument(ev.Provider, ev.Account, ev.FaxID, format)
			if format == docfetch.TIFF && *f.Document != want {
				t.Errorf("%s %s: report document %+v, served %+v", ev.Provider, ev.FaxID, *f.Document, want)
			}
			checkDocument(t, body, want, f.Pages)
		}
	}
	if d := rep.Total.Documents; d.Expected != len(events) || d.Missing != len(events) {
		t.Errorf("before fetching: %d documents expected, %d missing; want %d and all", d.Expected, d.Missing, len(events))
	}
	// The API counts a document once its handler has written it, which
	// may be just after the client has read it.
	after := eventually(t, s, func(r *sim.Report) bool { return r.Total.Documents.Served == 2*len(events) })
	if d := after.Total.Documents; d.Served != 2*len(events) || d.Missing != 0 || after.Providers["efax"].Documents.Tokens != 1 {
		t.Errorf("served %d documents, %d missing, with %d eFax tokens; want %d, none missing, 1 token",
			d.Served, d.Missing, after.Providers["efax"].Documents.Tokens, 2*len(events))
	}
	for _, f := range after.Faxes {
		if f.DocumentServed != 2 {
			t.Errorf("fax %s: document served %d times, want 2", f.FaxID, f.DocumentServed)
		}
	}
}

// checkDocument fails t unless body is the document want describes, with
// pages pages, that parses as its format.
func checkDocument(t *testing.T, body []byte, want sim.Document, pages int) {
	t.Helper()
	sum := sha256.Sum256(body)
	if got := hex.EncodeToString(sum[:]); got != want.SHA256 || len(body) != want.Size {
		t.Errorf("document sha256 %s size %d, want %s size %d", got, len(body), want.SHA256, want.Size)
	}
	var got int
	var err error
	switch want.Format {
	case docfetch.PDF:
		got, err = pdfPages(body)
	case docfetch.TIFF:
		got, err = tiffPages(body)
	}
	if err != nil || got != pages || want.Pages != pages {
		t.Errorf("%s document: %d pages (%v), report says %d, callback %d", want.Format, got, err, want.Pages, pages)
	}
}

// TestDocumentsAreTheSameFromAnyInstance has one simulator announce faxes
// and another, serving only, serve their documents: the bytes must be
// those the first one reported.
func TestDocumentsAreTheSameFromAnyInstance(t *testing.T) {
	_, rep, events := received(t, 9, sim.Options{Seed: 31})
	other := newSim(t, testAccounts("http://placeholder.invalid"), sim.Options{
		Target: "http://127.0.0.1:1", APIListen: "127.0.0.1:0", RewriteAPIBaseURL: true,
	})
	serveAPI(t, other)
	cs := documentClients(t, other.Accounts())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i, ev := range events {
		delete(ev.ProviderFields, "resource_url") // it points at the first instance
		body, err := fetch(ctx, cs, ev, docfetch.PDF)
		if err != nil {
			t.Fatal(err)
		}
		f := rep.Faxes[0]
		for _, g := range rep.Faxes {
			if g.EventID == ev.ID() {
				f = g
			}
		}
		if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != f.Document.SHA256 {
			t.Errorf("fax %d (%s %s): other instance served another document", i, ev.Provider, ev.FaxID)
		}
	}
}

// TestDocumentAPIChecksCredentials presents wrong credentials to each
// provider's API, through faxpipe's own clients: every one is refused
// with a 401, and nothing is served.
func TestDocumentAPIChecksCredentials(t *testing.T) {
	s, _, events := received(t, 12, sim.Options{Seed: 41})
	wrong := s.Accounts()
	nth[*sfax.Account](wrong, 0).InitVector = config.Literal("0000000000000000")
	nth[*gofax.Account](wrong, 0).APIToken, nth[*gofax.Account](wrong, 1).APIToken = config.Literal("nope"), config.Literal("nope")
	nth[*efax.Account](wrong, 0).APIKey = config.Literal("nope")
	nth[*telnyx.Account](wrong, 0).APIKey = config.Literal("nope")
	cs := documentClients(t, wrong)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	before := s.Report().Total.Documents
	for _, ev := range events {
		// A Telnyx media link is pre-signed: it takes no API key. Without
		// one, the client asks the API for a link, with its key.
		delete(ev.ProviderFields, "media_url")
		_, err := fetch(ctx, cs, ev, docfetch.PDF)
		var se *docfetch.StatusError
		if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
			t.Errorf("%s with wrong credentials: %v, want a 401", ev.Provider, err)
		}
	}
	after := s.Report().Total.Documents
	if after.Served != before.Served || after.Unauthorized != before.Unauthorized+len(events) {
		t.Errorf("documents served %d→%d, unauthorized %d→%d, want no document and %d refusals",
			before.Served, after.Served, before.Unauthorized, after.Unauthorized, len(events))
	}
}

// TestDocumentAPIRefusesStaleSfaxTokens: a token generated longer ago
// than the account's window is refused, as Sfax's API does.
func TestDocumentAPIRefusesStaleSfaxTokens(t *testing.T) {
	s, _, events := received(t, 15, sim.Options{Seed: 43, Providers: []fax.Provider{fax.Sfax}})
	cs, err := provider.NewDocumentClients(s.Accounts(), docfetch.Options{
		HTTP: &http.Client{Timeout: 10 * time.Second},
		Now:  func() time.Time { return time.Now().Add(-20 * time.Minute) },
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = fetch(context.Background(), cs, events[0], docfetch.PDF)
	var se *docfetch.StatusError
	if !errors.As(err, &se) || se.Code != http.StatusUnauthorized {
		t.Errorf("stale token: %v, want a 401", err)
	}
}
