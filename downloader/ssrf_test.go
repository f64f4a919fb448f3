package downloader_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/downloader"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// targets are what a forged request would reach: live servers on the IPv4
// loopback over HTTPS and plain HTTP, and on the IPv6 loopback (nil when
// the machine has none). Each counts the requests it receives.
type targets struct {
	tls, plain, v6 *emulator
}

func newTargets(t *testing.T) *targets {
	doc := raw(downloader.MakePDF(1))
	tg := &targets{tls: newEmulator(t, true, http.HandlerFunc(doc)), plain: newEmulator(t, false, http.HandlerFunc(doc))}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		tg.v6 = newEmulatorOn(t, ln, false, http.HandlerFunc(doc))
	}
	return tg
}

// port is the port of e's URL.
func port(e *emulator) string { u, _ := url.Parse(e.URL); return u.Port() }

// check fails t if any target received a request.
func (tg *targets) check(t *testing.T) {
	t.Helper()
	for name, e := range map[string]*emulator{"HTTPS loopback": tg.tls, "HTTP loopback": tg.plain, "IPv6 loopback": tg.v6} {
		if e != nil && e.all.Load() != 0 {
			t.Errorf("the %s target received %d requests, want none", name, e.all.Load())
		}
	}
}

// hostileURL is a document URL an attacker would like fetched.
type hostileURL struct{ name, url string }

// hostileURLs are forged document locations aimed at the targets, at the
// API emulator api by other names or schemes, and at places no request
// may go (cloud metadata, files).
func (tg *targets) hostileURLs(api *emulator) []hostileURL {
	h, p, a := port(tg.tls), port(tg.plain), port(api)
	out := []hostileURL{
		{"another host", "https://evil.example/faxes/1/image"},
		{"loopback, another port", "https://127.0.0.1:" + h + "/doc"},
		{"loopback over plain HTTP", "http://127.0.0.1:" + p + "/doc"},
		{"loopback by name", "https://localhost:" + h + "/doc"},
		{"IPv4 in decimal", "https://2130706433:" + h + "/doc"}, {"IPv4 in octal", "https://0177.0.0.1:" + h + "/doc"},
		{"IPv4 in hex", "https://0x7f000001:" + h + "/doc"}, {"IPv4 shortened", "https://127.1:" + h + "/doc"},
		{"IPv4-mapped IPv6", "https://[::ffff:127.0.0.1]:" + h + "/doc"},
		{"IPv4-mapped IPv6 in hex", "https://[::ffff:7f00:1]:" + h + "/doc"},
		{"unspecified IPv4", "https://0.0.0.0:" + h + "/doc"}, {"unspecified IPv6", "https://[::]:" + h + "/doc"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"},
		{"cloud metadata over IPv6", "https://[fd00:ec2::254]/latest/meta-data/"},
		{"cloud metadata by name", "http://metadata.google.internal/computeMetadata/v1/"},
		{"private network", "https://10.0.0.1/doc"}, {"the API by another name", "https://localhost:" + a + "/doc"},
		{"API host as user info", "https://127.0.0.1:" + a + "@127.0.0.1:" + h + "/doc"},
		{"user info on the API", "https://user:pass@127.0.0.1:" + a + "/faxes/1/image"},
		{"API host after a fragment", "https://127.0.0.1:" + h + "#@127.0.0.1:" + a + "/"},
		{"the API over plain HTTP", "http://127.0.0.1:" + a + "/doc"},
		{"the API host with a trailing dot", "https://127.0.0.1.:" + a + "/doc"},
		{"scheme-relative", "//127.0.0.1:" + h + "/doc"}, {"a bare path", "/doc"}, {"file", "file:///etc/passwd"},
		{"gopher", "gopher://127.0.0.1:" + p + "/_GET%20/doc"}, {"ftp", "ftp://127.0.0.1:" + p + "/doc"},
		{"data", "data:application/pdf;base64,JVBERi0xLjQK"},
	}
	if tg.v6 != nil {
		out = append(out, hostileURL{"IPv6 loopback", "http://[::1]:" + port(tg.v6) + "/doc"})
	}
	return out
}

// efaxCallback is a genuine, signed eFax inbound callback of account acc
// naming resourceURL.
func efaxCallback(t *testing.T, acc efax.Account, resourceURL string) fax.RawMessage {
	body, err := json.Marshal(map[string]any{
		"app_id": acc.AppID, "user_id": "user-1", "notification_id": "n-1", "direction": "INBOUND",
		"completed_timestamp": "2024-05-10T17:54:11Z", "duration": 48, "pages": 1, "fax_id": "f-1",
		"sending_fax_number": "13235555555", "receiving_fax_number": "18885555555", "resource_url": resourceURL,
	})
	if err != nil {
		t.Fatal(err)
	}
	r := providertest.Request{Account: acc.ID, Method: http.MethodPost, Body: string(body), Headers: map[string][]string{
		"Content-Type": {"application/json"}, "X-Hmac-Signature": {efax.Sign(body, acc.HMACSecret.Reveal())},
	}}
	return providertest.Raw(r.Envelope(fax.EFax, efax.Callback, nil, providertest.Digester(t)))
}

// TestForgedResourceURLRejected: the processor's side. A genuine, signed
// callback whose resource_url points anywhere but the account's API is
// rejected as untrusted_resource_url, and makes no event.
func TestForgedResourceURLRejected(t *testing.T) {
	tg := newTargets(t)
	api := newEmulator(t, true, http.HandlerFunc(status(http.StatusNotFound)))
	acc := config.AccountsOf[efax.Account](accounts("", "", api.URL))[0]
	acc.HMACSecret = config.Literal("efax-hmac-secret")
	adapter, err := efax.NewNormalizer([]efax.Account{acc}, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range tg.hostileURLs(api) {
		t.Run(h.name, func(t *testing.T) {
			providertest.Rejects(t, adapter, efaxCallback(t, acc, h.url), fax.ReasonUntrustedResourceURL)
		})
	}
	tg.check(t)
}

// TestForgedResourceURLNeverFetched: the downloader's side, for an event
// carrying a forged resource_url all the same. With private networks
// allowed (the API emulator is on loopback: the weakest setting) the
// document is fetched from the account's API path and nowhere else; with
// them refused, every fetch ends failed as untrusted_destination. No
// target ever receives a request.
func TestForgedResourceURLNeverFetched(t *testing.T) {
	for _, allowPrivate := range []bool{true, false} {
		t.Run(fmt.Sprintf("allow_private_networks=%v", allowPrivate), func(t *testing.T) {
			tg := newTargets(t)
			pdf := downloader.MakePDF(1)
			a := newAPIs(t, nil, nil, efaxImage(pdf))
			e := newEnv(t)
			cfg := testConfig()
			cfg.AllowPrivateNetworks = allowPrivate
			e.start(cfg, a.accounts(), a.efax)
			forged := tg.hostileURLs(a.efax)
			for i, h := range forged {
				e.publish(inbound(fax.EFax, fmt.Sprintf("r-%d", i), time.Now(), map[string]string{"user_id": "user-1", "resource_url": h.url}), "")
			}
			for i, ann := range byFaxID(t, e.waitAnnouncements(len(forged), 30*time.Second), "r-%d", len(forged)) {
				checkForgedOutcome(t, forged[i].name, ann, allowPrivate, a.efax)
			}
			tg.check(t)
		})
	}
}

// checkForgedOutcome: stored from the API's own path, once, with private
// networks allowed; failed as untrusted_destination without.
func checkForgedOutcome(t *testing.T, name string, ann fax.DocumentAnnouncement, allowPrivate bool, api *emulator) {
	t.Helper()
	if !allowPrivate {
		checkUntrusted(t, name, ann)
		return
	}
	if ann.Outcome != fax.DocumentStored {
		t.Errorf("%s: %s %s (%s), want stored from the API", name, ann.Outcome, ann.Reason, ann.Detail)
	}
	if got := api.count("/faxes/" + ann.FaxID + "/image"); got != 1 {
		t.Errorf("%s: %d requests to the API's own image path, want 1", name, got)
	}
}

// redirectCase is where the provider API redirects a document request,
// and how many requests the API itself should see for it.
type redirectCase struct {
	name, location string
	apiRequests    int
}

// redirects are the hostile URLs as redirect targets of api, the GoFax
// emulator (plain HTTP), but for the two on api's own origin, where a
// redirect may go; plus a scheme change, user info and a loop on api.
func (tg *targets) redirects(api *emulator) []redirectCase {
	own := map[string]bool{"a bare path": true, "the API over plain HTTP": true}
	var out []redirectCase
	for _, h := range tg.hostileURLs(api) {
		if !own[h.name] {
			out = append(out, redirectCase{h.name, h.url, 1})
		}
	}
	apiHost := api.Listener.Addr().String()
	return append(out,
		redirectCase{"the API over HTTPS", "https://" + apiHost + "/doc", 1},
		redirectCase{"user info on the API's origin", "http://user:pass@" + apiHost + "/doc", 1},
		redirectCase{"IPv4 in decimal over plain HTTP", "http://2130706433:" + port(tg.plain) + "/doc", 1},
		redirectCase{"a loop on the API", "LOOP", 5}, // the first request and four redirects
	)
}

// TestRedirectsOffTheAPINeverFollowed: a provider API (the GoFax emulator,
// plain HTTP on loopback, so private networks are allowed: the weakest
// setting) that redirects the document request, with each redirect status,
// anywhere but its own origin, or in a loop, makes the document fail as
// untrusted_destination; no target receives a request.
func TestRedirectsOffTheAPINeverFollowed(t *testing.T) {
	tg := newTargets(t)
	var cases []redirectCase
	codes := []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect}
	api := newEmulator(t, false, http.HandlerFunc(gofaxAPI(t, func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/v1.0/ReceiveFax/d-%d/Document", &i); err != nil || i >= len(cases) {
			t.Errorf("unexpected request to the API: %s", r.URL)
			w.WriteHeader(http.StatusNotFound)
			return
		}
		loc := cases[i].location
		if loc == "LOOP" {
			loc = r.URL.String()
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(codes[i%len(codes)])
	})))
	cases = tg.redirects(api)
	e := newEnv(t)
	e.start(testConfig(), accounts(api.URL, api.URL, api.URL), tg.tls) // the HTTPS target is trusted: reachable but for the guard
	for i := range cases {
		e.publish(inbound(fax.GoFax, fmt.Sprintf("d-%d", i), time.Now(), nil), "")
	}
	for i, ann := range byFaxID(t, e.waitAnnouncements(len(cases), 30*time.Second), "d-%d", len(cases)) {
		c := cases[i]
		checkUntrusted(t, c.name+" ("+c.location+")", ann)
		if got := api.count("/v1.0/ReceiveFax/" + ann.FaxID + "/Document"); got != c.apiRequests {
			t.Errorf("%s: the API received %d requests, want %d", c.name, got, c.apiRequests)
		}
	}
	if got := api.count("/doc"); got != 0 {
		t.Errorf("the API received %d requests for a redirect target, want none", got)
	}
	tg.check(t)
}

// checkUntrusted fails t unless ann is a failed announcement with the
// reason untrusted_destination and a detail.
func checkUntrusted(t *testing.T, name string, ann fax.DocumentAnnouncement) {
	t.Helper()
	if ann.Outcome != fax.DocumentFailed || ann.Reason != fax.DocumentReasonUntrustedDestination || ann.Detail == "" {
		t.Errorf("%s: %s %s (%s), want failed untrusted_destination with a detail", name, ann.Outcome, ann.Reason, ann.Detail)
	}
}

// TestPrivateAPIAddressesRefused: with private networks refused, an API
// base URL whose name or address is loopback, private, link-local,
// unspecified or cloud metadata (as a DNS answer turned against us would
// make it) is never connected to: the guard checks the address actually
// dialled, so "localhost" is refused as 127.0.0.1 is. Each document fails
// as untrusted_destination at once (a connection attempt to an
// unreachable address would have been a transient fault instead), every
// provider's client alike, and the live targets receive nothing.
func TestPrivateAPIAddressesRefused(t *testing.T) {
	tg := newTargets(t)
	p, h := port(tg.plain), port(tg.tls)
	bases := []string{
		"http://127.0.0.1:" + p, "http://localhost:" + p, "http://[::ffff:127.0.0.1]:" + p,
		"http://0.0.0.0:" + p, "http://[::]:" + p, "http://169.254.169.254", "http://[fd00:ec2::254]",
		"http://10.0.0.1", "http://172.16.0.1", "http://192.168.0.1", "http://100.64.0.1",
		"http://198.18.0.1", "http://[fc00::1]", "http://[64:ff9b::7f00:1]", "http://[::1]:1",
	}
	if tg.v6 != nil {
		bases = append(bases, "http://[::1]:"+port(tg.v6))
	}
	accs := accounts("http://localhost:"+p, "", "https://127.0.0.1:"+h) // eFax: its OAuth2 token request first
	accs = slices.DeleteFunc(accs, func(a config.ProviderAccount) bool { return a.Provider() == fax.GoFax })
	events := []fax.Event{inbound(fax.Sfax, "p-0", time.Now(), nil), inbound(fax.EFax, "p-1", time.Now(), map[string]string{"user_id": "user-1"})}
	for i, b := range bases {
		id := fmt.Sprintf("g%d", i)
		accs = append(accs, &gofax.Account{AccountBase: config.AccountBase{ID: id, APIBaseURL: b}, APIToken: config.Literal(gofaxToken)})
		ev := inbound(fax.GoFax, fmt.Sprintf("p-%d", len(events)), time.Now(), nil)
		ev.Account = id
		events = append(events, ev)
	}
	e := newEnv(t)
	cfg := testConfig()
	cfg.AllowPrivateNetworks = false
	e.start(cfg, accs, tg.tls)
	for _, ev := range events {
		e.publish(ev, "")
	}
	for i, ann := range byFaxID(t, e.waitAnnouncements(len(events), 30*time.Second), "p-%d", len(events)) {
		checkUntrusted(t, fmt.Sprintf("%s account %s", events[i].Provider, events[i].Account), ann)
		if ann.Attempts == nil || *ann.Attempts != 1 || ann.Deliveries == nil || *ann.Deliveries != 1 {
			t.Errorf("account %s: %v attempts in %v deliveries, want 1 in 1 (refused, not retried)", events[i].Account, ann.Attempts, ann.Deliveries)
		}
	}
	tg.check(t)
}

// byFaxID returns anns, at least n of them (waitAnnouncements), which must
// be exactly one for each fax id fmt.Sprintf(pattern, i), i < n, indexed
// by i.
func byFaxID(t *testing.T, anns []announcement, pattern string, n int) []fax.DocumentAnnouncement {
	t.Helper()
	out := make([]fax.DocumentAnnouncement, n)
	for _, a := range anns {
		var i int
		if _, err := fmt.Sscanf(a.Data.FaxID, pattern, &i); err != nil || i >= n || out[i].FaxID != "" {
			t.Fatalf("announcement of fax %q: not one of the %d sent, or a second one", a.Data.FaxID, n)
		}
		out[i] = a.Data
	}
	return out
}
