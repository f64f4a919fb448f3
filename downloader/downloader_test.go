package downloader_test

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// apis are the three provider emulators of a test.
type apis struct {
	sfax, gofax, efax *emulator
	tokens            atomic.Int64 // eFax tokens issued
}

// newAPIs starts emulators answering document requests with the replies
// given per provider (nil: 404); eFax is served over HTTPS.
func newAPIs(t *testing.T, sfaxDoc, gofaxDoc, efaxDoc reply) *apis {
	a := &apis{}
	orNotFound := func(r reply) reply {
		if r == nil {
			return status(http.StatusNotFound)
		}
		return r
	}
	a.sfax = newEmulator(t, false, http.HandlerFunc(sfaxAPI(t, orNotFound(sfaxDoc))))
	a.gofax = newEmulator(t, false, http.HandlerFunc(gofaxAPI(t, orNotFound(gofaxDoc))))
	a.efax = newEmulator(t, true, http.HandlerFunc(efaxAPI(t, &a.tokens, orNotFound(efaxDoc))))
	return a
}

func (a *apis) accounts() config.Accounts { return accounts(a.sfax.URL, a.gofax.URL, a.efax.URL) }

// stored checks that anns is exactly one stored announcement of ev whose
// object holds want, and returns it.
func checkStored(t *testing.T, e *env, anns []announcement, ev fax.Event, want []byte, contentType string, pages int) fax.DocumentAnnouncement {
	t.Helper()
	if len(anns) != 1 {
		t.Fatalf("%d announcements, want 1: %+v", len(anns), anns)
	}
	a := anns[0].Data
	if a.Outcome != fax.DocumentStored || anns[0].Type != "faxpipe.document.stored" {
		t.Fatalf("announcement %+v, want stored", a)
	}
	if got, want := anns[0].natsSubject, "faxpipe.documents."+string(ev.Provider)+".demo.stored"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if a.EventID != ev.ID() || a.FaxID != ev.FaxID || a.Provider != ev.Provider || a.Account != "demo" {
		t.Errorf("announcement %+v is not of event %s", a, ev.ID())
	}
	if a.SHA256 != sha(want) || a.Size == nil || *a.Size != int64(len(want)) || a.ContentType != contentType {
		t.Errorf("announced sha256 %s size %v type %s, want %s %d %s", a.SHA256, a.Size, a.ContentType, sha(want), len(want), contentType)
	}
	if a.Pages == nil || *a.Pages != pages {
		t.Errorf("announced pages %v, want %d", a.Pages, pages)
	}
	got, err := e.object(a.Object)
	if err != nil {
		t.Fatalf("object %s: %v", a.Object, err)
	}
	if sha(got) != sha(want) {
		t.Errorf("stored bytes' sha256 %s, want the served %s", sha(got), sha(want))
	}
	return a
}

func TestStoresEachProvidersDocument(t *testing.T) {
	pdf := downloader.MakePDF(2)
	tiff := downloader.MakeTIFF(binary.LittleEndian, 3)
	tiffBE := downloader.MakeTIFF(binary.BigEndian, 1)
	b64 := base64.StdEncoding.EncodeToString
	tests := []struct {
		name        string
		provider    fax.Provider
		format      string
		fields      map[string]string
		serve       func(t *testing.T) (sfax, gofax, efax reply)
		doc         []byte
		contentType string
		pages       int
		object      string
	}{
		{"sfax PDF", fax.Sfax, "pdf", nil, func(*testing.T) (reply, reply, reply) {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/DownloadInboundFaxAsPdf" {
					w.WriteHeader(http.StatusNotFound)
					return
				}
				raw(pdf)(w, r)
			}, nil, nil
		}, pdf, "application/pdf", 2, "sfax/demo/2150102030405000000.pdf"},
		{"sfax TIFF", fax.Sfax, "tiff", nil, func(*testing.T) (reply, reply, reply) {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/DownloadInboundFaxAsTif" {
					w.WriteHeader(http.StatusNotFound)
					return
				}
				raw(tiff)(w, r)
			}, nil, nil
		}, tiff, "image/tiff", 3, "sfax/demo/2150102030405000000.tiff"},
		{"gofax JSON object", fax.GoFax, "pdf", nil, func(*testing.T) (reply, reply, reply) {
			return nil, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1.0/ReceiveFax/2150102030405000000/Document" {
					w.WriteHeader(http.StatusNotFound)
					return
				}
				gofaxDocument(pdf)(w, r)
			}, nil
		}, pdf, "application/pdf", 2, "gofax/demo/2150102030405000000.pdf"},
		{"gofax JSON string of a big-endian TIFF", fax.GoFax, "pdf", nil, func(*testing.T) (reply, reply, reply) {
			return nil, jsonBody(b64(tiffBE)), nil
		}, tiffBE, "image/tiff", 1, "gofax/demo/2150102030405000000.tiff"},
		{"efax resource_url", fax.EFax, "pdf", map[string]string{"user_id": "user-1", "resource_url": "RESOURCE"}, func(t *testing.T) (reply, reply, reply) {
			return nil, nil, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v2/faxes/2150102030405000000/image" || r.URL.Query().Get("desired_format") != "PDF" {
					t.Errorf("efax request %s", r.URL)
					w.WriteHeader(http.StatusNotFound)
					return
				}
				efaxImage(pdf)(w, r)
			}
		}, pdf, "application/pdf", 2, "efax/demo/2150102030405000000.pdf"},
		{"efax without resource_url, TIFF", fax.EFax, "tiff", map[string]string{"user_id": "user-1"}, func(t *testing.T) (reply, reply, reply) {
			return nil, nil, func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/faxes/2150102030405000000/image" || r.URL.Query().Get("desired_format") != "TIFF" {
					t.Errorf("efax request %s", r.URL)
					w.WriteHeader(http.StatusNotFound)
					return
				}
				efaxImage(tiff)(w, r)
			}
		}, tiff, "image/tiff", 3, "efax/demo/2150102030405000000.tiff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, g, ef := tt.serve(t)
			a := newAPIs(t, s, g, ef)
			e := newEnv(t)
			cfg := testConfig()
			cfg.Format = tt.format
			fields := map[string]string{}
			for k, v := range tt.fields {
				if v == "RESOURCE" {
					v = a.efax.URL + "/v2/faxes/2150102030405000000/image"
				}
				fields[k] = v
			}
			r := e.start(cfg, a.accounts(), a.efax)
			ev := inbound(tt.provider, "2150102030405000000", time.Now(), fields)
			e.publish(ev, "")
			ann := checkStored(t, e, e.waitAnnouncements(1, 10*time.Second), ev, tt.doc, tt.contentType, tt.pages)
			if ann.Object != tt.object || ann.Bucket != "faxpipe-documents" {
				t.Errorf("object %s/%s, want faxpipe-documents/%s", ann.Bucket, ann.Object, tt.object)
			}
			if got := r.counter(t, "faxpipe_downloader_bytes_total"); got != float64(len(tt.doc)) {
				t.Errorf("bytes metric %v, want %d", got, len(tt.doc))
			}
		})
	}
}

// TestTransientFaultsRetried: faults that may clear are retried until the
// document is stored.
func TestTransientFaultsRetried(t *testing.T) {
	pdf := downloader.MakePDF(1)
	tests := []struct {
		name     string
		serve    reply
		requests int
	}{
		{"503 three times", script(status(503), status(503), status(503), raw(pdf)), 4},
		{"404 within the grace period", script(status(404), status(404), raw(pdf)), 3},
		{"connection dropped", script(func(w http.ResponseWriter, _ *http.Request) {
			conn, _, _ := w.(http.Hijacker).Hijack()
			_ = conn.Close()
		}, raw(pdf)), 2},
		{"stalled body", script(stall(pdf, nil, nil), raw(pdf)), 2},
		{"Sfax not ready (isSuccess false)", script(jsonBody(map[string]any{"isSuccess": false, "message": "not ready"}), raw(pdf)), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPIs(t, tt.serve, nil, nil)
			e := newEnv(t)
			e.start(testConfig(), a.accounts(), nil)
			ev := inbound(fax.Sfax, "1001", time.Now(), nil)
			e.publish(ev, "")
			checkStored(t, e, e.waitAnnouncements(1, 15*time.Second), ev, pdf, "application/pdf", 1)
			if got := int(a.sfax.all.Load()); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
		})
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	pdf := downloader.MakePDF(1)
	var first, second atomic.Int64
	mark := func(at *atomic.Int64, next reply) reply {
		return func(w http.ResponseWriter, r *http.Request) {
			at.Store(time.Now().UnixNano())
			next(w, r)
		}
	}
	a := newAPIs(t, nil, script(mark(&first, status(429, "Retry-After", "1")), mark(&second, gofaxDocument(pdf))), nil)
	e := newEnv(t)
	e.start(testConfig(), a.accounts(), nil)
	ev := inbound(fax.GoFax, "42", time.Now(), nil)
	e.publish(ev, "")
	checkStored(t, e, e.waitAnnouncements(1, 10*time.Second), ev, pdf, "application/pdf", 1)
	if waited := time.Duration(second.Load() - first.Load()); waited < time.Second {
		t.Fatalf("retried %v after a 429 with Retry-After: 1, want at least 1s", waited)
	}
}

// TestEFaxTokenRefreshedOnce: a 401 with the cached token makes one token
// request, and the request is repeated with the new token.
func TestEFaxTokenRefreshedOnce(t *testing.T) {
	pdf := downloader.MakePDF(1)
	a := &apis{}
	a.sfax = newEmulator(t, false, http.HandlerFunc(status(404)))
	a.gofax = newEmulator(t, false, http.HandlerFunc(status(404)))
	var images atomic.Int64
	a.efax = newEmulator(t, true, http.HandlerFunc(efaxAPI(t, &a.tokens, func(w http.ResponseWriter, r *http.Request) {
		if images.Add(1) == 1 {
			w.WriteHeader(http.StatusUnauthorized) // the token expired (or was replaced)
			return
		}
		efaxImage(pdf)(w, r)
	})))
	e := newEnv(t)
	r := e.start(testConfig(), a.accounts(), a.efax)
	ev := inbound(fax.EFax, "e-1", time.Now(), map[string]string{"user_id": "user-1"})
	e.publish(ev, "")
	checkStored(t, e, e.waitAnnouncements(1, 10*time.Second), ev, pdf, "application/pdf", 1)
	if got := a.tokens.Load(); got != 2 {
		t.Errorf("%d token requests, want 2 (the first, one refresh)", got)
	}
	if got := images.Load(); got != 2 {
		t.Errorf("%d image requests, want 2", got)
	}
	if got := r.counter(t, "faxpipe_downloader_token_refreshes_total"); got != 2 {
		t.Errorf("token refresh metric %v, want 2", got)
	}
}

// TestPermanentFailuresAnnounced: each failure that retrying cannot fix
// ends as one failed announcement with its reason, and nothing stored.
func TestPermanentFailuresAnnounced(t *testing.T) {
	big := append(downloader.MakePDF(1), make([]byte, 4096)...)
	old := time.Now().Add(-time.Hour)
	tests := []struct {
		name       string
		serve      reply
		receivedAt time.Time
		cfg        func(*config.Downloader)
		reason     fax.DocumentReason
		lastStatus int
		requests   int
		deliveries int
	}{
		{"404 past the grace period", status(404), old, nil, fax.DocumentReasonNotFound, 404, 1, 1},
		{"oversized", raw(big), time.Now(), func(c *config.Downloader) { c.MaxDocumentSize = 1024 }, fax.DocumentReasonTooLarge, 0, 1, 1},
		{"403", status(403), time.Now(), nil, fax.DocumentReasonUnauthorized, 403, 1, 1},
		{"400", status(400), time.Now(), nil, fax.DocumentReasonProviderRefused, 400, 1, 1},
		{"Sfax isSuccess false past the grace period", jsonBody(map[string]any{"isSuccess": false, "message": "no such fax"}), old, nil, fax.DocumentReasonProviderRefused, 0, 1, 1},
		{"HTML with a 200", raw([]byte("<html>maintenance</html>")), time.Now(), nil, fax.DocumentReasonUnsupportedContent, 0, 1, 1},
		{"503 through every delivery", status(503), time.Now(), func(c *config.Downloader) {
			// One attempt per delivery: every backoff (30-90ms) outlasts the budget.
			c.RetryBudget, c.InitialBackoff, c.MaxBackoff, c.MaxDeliver = 10*time.Millisecond, 60*time.Millisecond, 60*time.Millisecond, 2
		}, fax.DocumentReasonRetriesExhausted, 503, 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAPIs(t, tt.serve, nil, nil)
			e := newEnv(t)
			cfg := testConfig()
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			e.start(cfg, a.accounts(), nil)
			ev := inbound(fax.Sfax, "2002", tt.receivedAt, nil)
			e.publish(ev, "")
			anns := e.waitAnnouncements(1, 15*time.Second)
			if len(anns) != 1 {
				t.Fatalf("%d announcements, want 1", len(anns))
			}
			f := anns[0].Data
			if f.Outcome != fax.DocumentFailed || anns[0].natsSubject != "faxpipe.documents.sfax.demo.failed" {
				t.Fatalf("announcement %+v on %s, want failed", f, anns[0].natsSubject)
			}
			if f.Reason != tt.reason || f.LastStatus != tt.lastStatus || f.EventID != ev.ID() || f.Detail == "" {
				t.Errorf("failed %+v, want reason %s, last status %d", f, tt.reason, tt.lastStatus)
			}
			if got := int(a.sfax.all.Load()); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
			if f.Deliveries == nil || *f.Deliveries != tt.deliveries {
				t.Errorf("deliveries %v, want %d", f.Deliveries, tt.deliveries)
			}
			if n := e.objects(); n != 0 {
				t.Errorf("%d objects stored, want none", n)
			}
		})
	}
}

// TestNoRequestForgery: a hostile server named by an event or a redirect,
// or a configured host on a private address, receives no request.
func TestNoRequestForgery(t *testing.T) {
	pdf := downloader.MakePDF(1)
	hostile := newEmulator(t, true, http.HandlerFunc(raw(pdf)))
	plainHostile := newEmulator(t, false, http.HandlerFunc(raw(pdf)))
	t.Run("hostile resource_url", func(t *testing.T) {
		a := newAPIs(t, nil, nil, efaxImage(pdf))
		e := newEnv(t)
		e.start(testConfig(), a.accounts(), a.efax)
		ev := inbound(fax.EFax, "e-2", time.Now(), map[string]string{"user_id": "user-1", "resource_url": hostile.URL + "/faxes/e-2/image"})
		e.publish(ev, "")
		checkStored(t, e, e.waitAnnouncements(1, 10*time.Second), ev, pdf, "application/pdf", 1)
		if got := a.efax.count("/faxes/e-2/image"); got != 1 {
			t.Errorf("%d requests to the account's API, want 1", got)
		}
	})
	t.Run("redirect to another host", func(t *testing.T) {
		a := newAPIs(t, func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, plainHostile.URL+"/doc.pdf", http.StatusFound)
		}, nil, nil)
		e := newEnv(t)
		e.start(testConfig(), a.accounts(), nil)
		e.publish(inbound(fax.Sfax, "3003", time.Now(), nil), "")
		anns := e.waitAnnouncements(1, 10*time.Second)
		if len(anns) != 1 || anns[0].Data.Reason != fax.DocumentReasonUntrustedDestination {
			t.Fatalf("announcements %+v, want one failed untrusted_destination", anns)
		}
	})
	t.Run("configured host on a private address", func(t *testing.T) {
		e := newEnv(t)
		cfg := testConfig()
		cfg.AllowPrivateNetworks = false
		local := "http://localhost:" + plainHostile.URL[len("http://127.0.0.1:"):]
		e.start(cfg, accounts(local, local, "https://api.securedocex.com"), nil)
		e.publish(inbound(fax.GoFax, "4004", time.Now(), nil), "")
		anns := e.waitAnnouncements(1, 10*time.Second)
		if len(anns) != 1 || anns[0].Data.Reason != fax.DocumentReasonUntrustedDestination {
			t.Fatalf("announcements %+v, want one failed untrusted_destination", anns)
		}
	})
	if got := hostile.all.Load() + plainHostile.all.Load(); got != 0 {
		t.Fatalf("the hostile servers received %d requests, want 0", got)
	}
}

// TestRestartMidDownload: a downloader stopped while a download stalls
// hands the event back; the next one stores and announces it once.
func TestRestartMidDownload(t *testing.T) {
	pdf := downloader.MakePDF(3)
	started, release := make(chan struct{}), make(chan struct{})
	defer close(release)
	a := newAPIs(t, script(stall(pdf, started, release), raw(pdf)), nil, nil)
	e := newEnv(t)
	cfg := testConfig()
	cfg.StallTimeout = 5 * time.Second // the stall outlasts the first downloader
	cfg.AckWait = 6 * time.Second
	first := e.start(cfg, a.accounts(), nil)
	ev := inbound(fax.Sfax, "5005", time.Now(), nil)
	e.publish(ev, "")
	select {
	case <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the download never started")
	}
	first.stop(t)
	if n := e.objects(); n != 0 {
		t.Fatalf("%d objects after the interrupted download, want 0", n)
	}
	e.start(cfg, a.accounts(), nil)
	checkStored(t, e, e.waitAnnouncements(1, 15*time.Second), ev, pdf, "application/pdf", 3)
	time.Sleep(300 * time.Millisecond) // room for a wrong second announcement
	if anns := e.announcements(); len(anns) != 1 {
		t.Fatalf("%d announcements, want 1", len(anns))
	}
	if n := e.objects(); n != 1 {
		t.Fatalf("%d objects, want 1", n)
	}
	if got := a.sfax.all.Load(); got != 2 {
		t.Fatalf("%d requests, want 2", got)
	}
}

// TestReplayedEventNotFetchedAgain: the same fax event delivered again (a
// replay) finds its document stored: no request, and the announcement is
// deduplicated by its Nats-Msg-Id.
func TestReplayedEventNotFetchedAgain(t *testing.T) {
	pdf := downloader.MakePDF(1)
	a := newAPIs(t, nil, gofaxDocument(pdf), nil)
	e := newEnv(t)
	r := e.start(testConfig(), a.accounts(), nil)
	ev := inbound(fax.GoFax, "6006", time.Now(), nil)
	e.publish(ev, "")
	e.waitAnnouncements(1, 10*time.Second)
	e.publish(ev, "replay-of-"+ev.ID())
	waitFor(t, 10*time.Second, "replay handled", func() bool {
		return r.counter(t, "faxpipe_downloader_documents_total") >= 2
	})
	checkStored(t, e, e.announcements(), ev, pdf, "application/pdf", 1)
	if got := a.gofax.all.Load(); got != 1 {
		t.Fatalf("%d requests, want 1", got)
	}
}

// TestEventsWithoutDocumentAcked: an event that expects no document is
// acknowledged without any request or announcement.
func TestEventsWithoutDocumentAcked(t *testing.T) {
	a := newAPIs(t, nil, nil, nil)
	e := newEnv(t)
	e.start(testConfig(), a.accounts(), nil)
	ev := inbound(fax.GoFax, "7007", time.Now(), nil)
	ev.Document = false
	e.publish(ev, "")
	waitFor(t, 10*time.Second, "ack", func() bool {
		cons, err := e.conn.JS.Consumer(context.Background(), "FAXPIPE_EVENTS", "faxpipe-downloader")
		if err != nil {
			return false
		}
		info, err := cons.Info(context.Background())
		return err == nil && info.AckFloor.Stream == 1
	})
	if got := a.gofax.all.Load() + int64(len(e.announcements())); got != 0 {
		t.Fatalf("%d requests and announcements, want none", got)
	}
}
