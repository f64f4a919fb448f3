package sim_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestFaxpipesDownloaderStoresWhatTheReportSays runs faxpipe's real
// downloader against the simulator's API, with faults injected, on the
// events of the simulator's callbacks: every document must be stored with
// the SHA-256, size and page count (the downloader's own count) that the
// report announces, in PDF and in TIFF. Stalls are not injected here: a
// JSON answer cut inside its base64 at some offsets is read by
// docfetch.DecodeDocument as malformed (permanent) rather than as the
// transient read error it is, so the downloader would rightly fail those
// documents; TestDocumentFaults covers stalls through the clients.
func TestFaxpipesDownloaderStoresWhatTheReportSays(t *testing.T) {
	tests := []struct {
		format docfetch.Format
		faults sim.Faults
	}{
		{docfetch.PDF, sim.Faults{ErrorRate: 0.2, TooManyRate: 0.1, NotYetAvailable: 1, Latency: time.Millisecond}},
		{docfetch.TIFF, sim.Faults{ErrorRate: 0.3, NotYetAvailable: 1}}, // no 429: its Retry-After is a second at least
	}
	for _, tt := range tests {
		format := tt.format
		t.Run(string(format), func(t *testing.T) {
			s, rep, events := received(t, 9, sim.Options{Seed: 51, Format: format, Faults: tt.faults})
			conn := streamtest.Connect(t, streamtest.Start(t), config.Default().Streams)
			startDownloader(t, conn, s.Accounts(), format)
			for _, ev := range events {
				enc, err := ev.Encode()
				if err != nil {
					t.Fatal(err)
				}
				if _, err := conn.JS.Publish(context.Background(), enc.Subject, enc.Data, jetstream.WithMsgID(enc.ID)); err != nil {
					t.Fatal(err)
				}
			}
			got := waitAnnouncements(t, conn.JS, len(events))
			for _, f := range rep.Faxes {
				a, ok := got[f.EventID]
				if !ok || a.Outcome != "stored" || a.SHA256 != f.Document.SHA256 || a.Size == nil || *a.Size != int64(f.Document.Size) ||
					a.Pages == nil || *a.Pages != f.Pages || a.ContentType != f.Document.MediaType {
					t.Errorf("%s %s: announced %+v, report says %+v with %d pages", f.Provider, f.FaxID, a, f.Document, f.Pages)
				}
			}
			docs := eventually(t, s, func(r *sim.Report) bool { return r.Total.Documents.Missing == 0 }).Total.Documents
			if docs.Faults.NotYet < len(events) || docs.Served < len(events) || docs.Missing != 0 {
				t.Errorf("API answers %+v: want a not-yet per fax and a document per fax", docs)
			}
		})
	}
}

// startDownloader runs faxpipe's downloader on conn until the test ends.
func startDownloader(t *testing.T, conn *stream.Conn, accounts config.Accounts, format docfetch.Format) {
	t.Helper()
	cfg := config.Default().Downloader
	cfg.Format = string(format)
	cfg.AllowPrivateNetworks = true
	cfg.RequestTimeout, cfg.StallTimeout = 5*time.Second, 300*time.Millisecond
	cfg.InitialBackoff, cfg.MaxBackoff, cfg.RetryBudget = 10*time.Millisecond, 100*time.Millisecond, 20*time.Second
	d, err := downloader.New(cfg, downloader.Deps{JS: conn.JS, Accounts: accounts, Documents: provider.NewDocumentClient, Log: zap.NewNop(), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("downloader: %v", err)
		}
	})
}

// announcement is what the test reads of a FAXPIPE_DOCUMENTS message's
// data (schemas/fax-document.v1.json).
type announcement struct {
	EventID     string `json:"event_id"`
	Outcome     string `json:"outcome"`
	Size        *int64 `json:"size"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	Pages       *int   `json:"pages"`
	Reason      string `json:"reason"`
	Detail      string `json:"detail"`
}

// waitAnnouncements waits for n document announcements and returns them
// by fax event id.
func waitAnnouncements(t *testing.T, js jetstream.JetStream, n int) map[string]announcement {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for {
		msgs := streamtest.Messages(t, js, fax.DocumentsStream)
		if len(msgs) >= n {
			out := map[string]announcement{}
			for _, m := range msgs {
				var ce struct{ Data announcement }
				if err := json.Unmarshal(m.Data, &ce); err != nil {
					t.Fatal(err)
				}
				out[ce.Data.EventID] = ce.Data
			}
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d announcements within 45s, want %d", len(msgs), n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
