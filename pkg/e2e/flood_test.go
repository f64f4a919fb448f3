package e2e

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/time/rate"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// The flood: each account's rate limit, the forgeries sent at 20 times it
// to each provider's account from floodClients addresses, and the
// bound of FAXPIPE_FORGED.
const (
	floodAccountRPS = 5
	floodFactor     = 20
	floodClients    = 250
	floodForgedMax  = 32 << 10
	floodBodySize   = 16 << 10
)

// TestForgeryFlood: forged callbacks at 20 times an account's rate limit,
// to every provider's account from many client addresses (the ingress
// trusts X-Forwarded-For from loopback), while the simulator sends genuine
// callbacks of every provider well within that limit. Every forgery
// is answered 401; none reaches FAXPIPE_RAW (so the processor rejects
// nothing); FAXPIPE_FORGED stays within its max_bytes while the records
// past the ingress's budget are counted as dropped; and the genuine
// callbacks all end as events and documents, none given up, none answered
// 429: the flood spent none of the accounts' budgets.
func TestForgeryFlood(t *testing.T) {
	p := startPipeline(t, pipelineOptions{env: []string{
		fmt.Sprintf("FAXPIPE_INGRESS_RATE_LIMIT_ACCOUNT_RPS=%d", floodAccountRPS),
		// A burst of 20: a simulator slowed by a loaded machine that
		// catches up sends a few callbacks of an account at once.
		"FAXPIPE_INGRESS_RATE_LIMIT_ACCOUNT_BURST=20",
		"FAXPIPE_INGRESS_RATE_LIMIT_CLIENT_RPS=20",
		"FAXPIPE_INGRESS_RATE_LIMIT_CLIENT_BURST=40",
		"FAXPIPE_INGRESS_TRUSTED_PROXIES=127.0.0.0/8",
		fmt.Sprintf("FAXPIPE_STREAMS_FORGED_MAX_BYTES=%d", floodForgedMax),
		"FAXPIPE_STREAMS_FORGED_MAX_AGE=1h",
	}})
	// 1.5 genuine faxes a second per account, evenly spaced: within the
	// account's 5 a second (burst 20), so its own rate gives no 429 at all.
	genuine := startSim(t, p, sim.Options{Count: 36, Rate: 4.5, Concurrency: 8, Seed: 41, RetryScale: 0.01, SfaxSuspendAfter: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	floodCtx, stopFlood := context.WithCancel(ctx)
	fl := startFlood(floodCtx, t, p.ingressURL)
	r, err := genuine.Run(ctx)
	stopFlood()
	fl.wait()
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	js := connect(t, p.natsURL)
	tl := verify(t, r, awaitLanded(t, js, r, 30*time.Second))
	if given := r.GivenUp(); len(given) > 0 {
		t.Errorf("genuine callbacks given up during the flood: %v", given)
	}
	fl.check(t)
	checkNoForgeryStored(ctx, t, js, tl)
	checkForgedBounded(ctx, t, js, p)
	if n := genuine429s(t, p.ingress.Output()); n > 0 {
		t.Errorf("the genuine providers got %d answers 429 at a rate within their accounts' limit: the flood spent their budget", n)
	}
	figure(t, "forgery flood", fmt.Sprintf("%d forgeries (%d×%d/s per account) from %d addresses, beside %d genuine faxes",
		fl.sent.Load(), floodFactor, floodAccountRPS, floodClients, len(r.Faxes)), "every forgery 401", tl)
}

// flood sends forged callbacks until its context ends.
type flood struct {
	sent, refused atomic.Int64
	mu            sync.Mutex
	others        map[int]int // answers other than 401, by status (0: no answer)
	wg            sync.WaitGroup
}

// startFlood sends, until ctx ends, forged callbacks to each provider's
// demo account at floodFactor times its rate limit, each from one of
// floodClients addresses in X-Forwarded-For.
func startFlood(ctx context.Context, t *testing.T, base string) *flood {
	fl := &flood{others: map[int]int{}}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
	t.Cleanup(client.CloseIdleConnections)
	pace := rate.NewLimiter(rate.Limit(len(forgers)*floodFactor*floodAccountRPS), 10)
	var n atomic.Int64
	for range 24 {
		fl.wg.Go(func() {
			for pace.Wait(ctx) == nil {
				i := int(n.Add(1))
				fl.send(ctx, client, forgery(base, i))
			}
		})
	}
	return fl
}

func (fl *flood) wait() { fl.wg.Wait() }

// send sends req and tallies its answer; a request cut short by the end of
// the flood is not counted.
func (fl *flood) send(ctx context.Context, c *http.Client, req *http.Request) {
	resp, err := c.Do(req.WithContext(ctx))
	if ctx.Err() != nil {
		if err == nil {
			_ = resp.Body.Close()
		}
		return
	}
	fl.sent.Add(1)
	status := 0
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		status = resp.StatusCode
	}
	if status == http.StatusUnauthorized {
		fl.refused.Add(1)
		return
	}
	fl.mu.Lock()
	fl.others[status]++
	fl.mu.Unlock()
}

// check: the flood was sent, and every forgery was answered 401.
func (fl *flood) check(t *testing.T) {
	t.Helper()
	if fl.sent.Load() < 1000 {
		t.Errorf("only %d forgeries sent: the flood did not happen", fl.sent.Load())
	}
	if len(fl.others) > 0 {
		t.Errorf("%d forgeries answered 401, others by status: %v (0: no answer)", fl.refused.Load(), fl.others)
	}
}

// forgers make the forged callbacks, one per provider: an Sfax GET with
// a token that does not decrypt, a GoFax POST with guessed Basic
// credentials and a 16 KiB body, an eFax POST with a wrong signature and
// a 16 KiB body, a Telnyx POST with a wrong Ed25519 signature, a current
// timestamp and a 16 KiB body.
var forgers = []func(base string, i int, pad string) *http.Request{
	func(base string, i int, _ string) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, base+fmt.Sprintf("/callbacks/sfax/demo?token=Zm9yZ2Vk%d&apikey=guess&faxtype=1&faxid=%d&faxsuccess=1", i, i), nil)
		return req
	},
	func(base string, i int, pad string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, base+"/callbacks/gofax/demo", strings.NewReader(fmt.Sprintf("FaxID=%d&Number=61712344321&Message=COMPLETE&pad=%s", i, pad)))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("gofax:guess-%d", i))))
		return req
	},
	func(base string, i int, pad string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, base+"/callbacks/efax/demo", strings.NewReader(fmt.Sprintf(`{"fax_id":"forged-%d","direction":"INBOUND","pad":%q}`, i, pad)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-HMAC-Signature", strings.Repeat("ab", 32))
		return req
	},
	func(base string, i int, pad string) *http.Request {
		req, _ := http.NewRequest(http.MethodPost, base+"/callbacks/telnyx/demo", strings.NewReader(fmt.Sprintf(
			`{"data":{"event_type":"fax.received","payload":{"fax_id":"forged-%d","direction":"inbound","pad":%q}}}`, i, pad)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Telnyx-Signature-Ed25519", base64.StdEncoding.EncodeToString([]byte(strings.Repeat("f", 64))))
		req.Header.Set("Telnyx-Timestamp", strconv.FormatInt(time.Now().Unix(), 10))
		return req
	},
}

// forgery is the i-th forged callback: each provider's in turn.
func forgery(base string, i int) *http.Request {
	req := forgers[i%len(forgers)](base, i, strings.Repeat("x", floodBodySize))
	req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i%floodClients))
	return req
}

// checkNoForgeryStored: FAXPIPE_RAW holds only the simulator's callbacks —
// none came through a forwarding address, none carries a forged body —
// and the processor rejected nothing.
func checkNoForgeryStored(ctx context.Context, t *testing.T, js jetstream.JetStream, tl tally) {
	t.Helper()
	raw := readStream(ctx, t, js, fax.RawStream)
	for _, m := range raw {
		var env fax.Envelope
		if err := json.Unmarshal(m.Data(), &env); err != nil {
			t.Fatalf("raw message %s: %v", m.Subject(), err)
		}
		if len(env.HeaderValues("X-Forwarded-For")) > 0 || len(env.Body) >= floodBodySize || strings.Contains(env.Query, "Zm9yZ2Vk") {
			t.Fatalf("a forgery reached FAXPIPE_RAW: %s %s from %v", env.Method, env.Path, env.HeaderValues("X-Forwarded-For"))
		}
	}
	if len(raw) == 0 {
		t.Error("FAXPIPE_RAW is empty: the genuine callbacks were not stored")
	}
	if tl.rejected != 0 {
		t.Errorf("the processor rejected %d raw callbacks; only genuine ones should have reached it", tl.rejected)
	}
}

// checkForgedBounded: FAXPIPE_FORGED holds records of the flood, within
// its max_bytes, and the ingress counted the records it dropped.
func checkForgedBounded(ctx context.Context, t *testing.T, js jetstream.JetStream, p *pipeline) {
	t.Helper()
	s, err := js.Stream(ctx, fax.ForgedStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.State.Msgs == 0 || info.State.Bytes > floodForgedMax || info.Config.MaxBytes != floodForgedMax {
		t.Errorf("FAXPIPE_FORGED holds %d records in %d bytes (max_bytes %d), want some, within %d", info.State.Msgs, info.State.Bytes, info.Config.MaxBytes, floodForgedMax)
	}
	if dropped := scrape(t, p.admin["ingress"], "faxpipe_ingress_forged_records_dropped_total", nil); dropped == 0 {
		t.Error("no forged record dropped: the record budget did not apply")
	}
	if counted := scrape(t, p.admin["ingress"], "faxpipe_ingress_forgeries_total", nil); counted < 1000 {
		t.Errorf("%v forgeries counted, want the flood", counted)
	}
}

// genuine429s counts, in the ingress's access log, the answers 429 to the
// simulator: the requests with no X-Forwarded-For, whose client is the
// loopback address itself.
func genuine429s(t *testing.T, log string) int {
	t.Helper()
	n, lines := 0, 0
	sc := bufio.NewScanner(strings.NewReader(log))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg    string `json:"msg"`
			Status int    `json:"status"`
			Client string `json:"client"`
		}
		if json.Unmarshal(sc.Bytes(), &line) != nil || line.Msg != "callback" {
			continue
		}
		lines++
		if line.Client == "127.0.0.1" && line.Status == http.StatusTooManyRequests {
			n++
		}
	}
	if lines < 1000 {
		t.Fatalf("the ingress logged %d callbacks: its access log cannot tell", lines)
	}
	return n
}
