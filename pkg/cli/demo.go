package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	neturl "net/url"
	"os"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/errgroup"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/tools/ops"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

const demoUsage = `usage: faxpipe [-config FILE] demo [-count N] [-timeout D] [-seed N]

Runs faxpipe all on a fresh embedded NATS server in a temporary directory,
the simulator sending faxes of every provider to it and serving their
documents, and shows events and documents as they land (as faxpipe tail);
it ends when every document is announced and shown, or on timeout. Some
webhooks are lost for good (-lose-rate): the reconciler finds those faxes
through the simulated providers' APIs, and tail marks them WEBHOOK MISSED.

Flags:
`

// demo runs `faxpipe all` on a fresh embedded broker in a temporary
// directory, the simulator sending faxes of every provider to it and
// serving their documents, and `faxpipe tail` showing events and documents
// as they land; it ends when every document is announced and shown, or on
// timeout.
func demo(ctx context.Context, e toolEnv) error {
	fs := flag.NewFlagSet("faxpipe demo", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { _, _ = fmt.Fprint(e.stderr, demoUsage); fs.PrintDefaults() }
	count := fs.Int("count", 9, "faxes to send, spread over the providers")
	timeout := fs.Duration("timeout", 90*time.Second, "give up after this long")
	seed := fs.Uint64("seed", demoSeed, "the simulator's seed: the same faxes every time")
	lose := fs.Float64("lose-rate", demoLoseRate, "share of received faxes (of the providers with a listing API) whose webhook is lost for good:\nthe reconciler finds them through the providers' APIs")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cfg, cleanup, err := demoConfig(e.cfg)
	if err != nil {
		return err
	}
	defer cleanup()
	// The providers' APIs come up first, so that the reconciler's first
	// listings find them.
	s, stopServing, err := demoSimulator(cfg, sim.Options{Count: *count, Seed: *seed, LoseRate: *lose}, e)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	stop, done := context.WithCancel(ctx)
	g.Go(func() error { return serve(stop, allCommand, cfg, e.log) })
	if err := awaitReady(ctx, cfg.Admin.Listen); err != nil {
		done()
		return errors.Join(err, g.Wait(), stopServing())
	}
	_, _ = fmt.Fprintf(e.stdout, "faxpipe all is up (embedded NATS, data in %s); the simulator sends %d faxes…\n\n", cfg.NATS.Embedded.DataDir, *count)
	shown := newDocumentLines(e.stdout)
	demoEnv := e
	demoEnv.cfg = cfg // the demo's own embedded broker, whatever nats.url says
	demoEnv.stdout, demoEnv.help = shown, false
	g.Go(func() error {
		return withBroker(func(ctx context.Context, e toolEnv, conn *stream.Conn) error {
			return ops.Tail(ctx, conn.JS, toolActor(e.cfg, "faxpipe demo"), []string{"--since", "1h"}, e.stdout, e.stderr)
		})(stop, demoEnv)
	})
	g.Go(func() error {
		defer done()
		return demoSend(ctx, cfg, s, stopServing, shown, e)
	})
	return g.Wait()
}

// demoSeed makes the demo's nine faxes include a received fax, with its
// document, of every provider, and with demoLoseRate one of them lost
// (its webhook never sent) and found by the reconciler. A new provider
// changes how the seed's faxes fall: pick the seed again then.
const (
	demoSeed     = 7
	demoLoseRate = 0.25
)

// demoConfig is cfg on a fresh embedded broker in a temporary directory,
// its reconciler listing the simulator's APIs every two seconds.
func demoConfig(cfg *config.Config) (*config.Config, func(), error) {
	dir, err := os.MkdirTemp("", "faxpipe-demo-")
	if err != nil {
		return nil, nil, err
	}
	c := *cfg
	c.NATS.URL = ""
	c.NATS.TLS = config.NATSTLS{} // the embedded server listens on loopback without TLS
	c.NATS.Embedded.DataDir = dir
	c.Reconciler.Interval, c.Reconciler.Settle, c.Reconciler.CatchUp = 2*time.Second, 3*time.Second, time.Hour
	c.Reconciler.InitialBackoff, c.Reconciler.MaxBackoff = 500*time.Millisecond, 2*time.Second
	return &c, func() { _ = os.RemoveAll(dir) }, nil
}

// demoSimulator is the demo's simulator of opts, to send to cfg's ingress,
// with the providers' APIs already served on the accounts' api_base_url;
// stopServing stops them.
func demoSimulator(cfg *config.Config, opts sim.Options, e toolEnv) (s *sim.Simulator, stopServing func() error, err error) {
	target, err := config.LocalURL(cfg.Ingress.Listen)
	if err != nil {
		return nil, nil, err
	}
	api, err := demoAPIAddr(cfg.Accounts)
	if err != nil {
		return nil, nil, err
	}
	opts.Target, opts.APIListen, opts.Concurrency = target, api, 4
	if s, err = sim.New(provider.Sims, cfg.Accounts, opts, e.log.Named("sim")); err != nil {
		return nil, nil, err
	}
	if stopServing, err = s.StartAPI(); err != nil {
		return nil, nil, err
	}
	return s, stopServing, nil
}

// demoSend runs s against the demo's ingress until every document it
// announced is stored or failed and shown, then stops serving the APIs and
// prints its summary.
func demoSend(ctx context.Context, cfg *config.Config, s *sim.Simulator, stopServing func() error, shown *documentLines, e toolEnv) error {
	rep, err := s.Run(ctx)
	if err == nil {
		want := expectedDocuments(rep)
		err = awaitDocuments(ctx, cfg, want)
		if err == nil {
			err = shown.await(ctx, want)
		}
	}
	err = errors.Join(err, stopServing())
	_, _ = fmt.Fprintln(e.stdout)
	return errors.Join(err, s.Report().WriteSummary(e.stdout))
}

// demoAPIAddr is the one host:port of every account's api_base_url, where
// the simulator serves the providers' APIs.
func demoAPIAddr(a config.Accounts) (string, error) {
	hosts := map[string]bool{}
	for _, u := range a.APIBaseURLs() {
		pu, err := neturl.Parse(u)
		if err != nil {
			return "", err
		}
		hosts[pu.Host] = true
	}
	if len(hosts) != 1 {
		return "", fmt.Errorf("demo: every account's api_base_url must name the simulator's one address, got %v", slices.Sorted(maps.Keys(hosts)))
	}
	for h := range hosts {
		return h, nil
	}
	return "", nil
}

// expectedDocuments is how many document announcements rep's faxes make:
// one per fax owed an event (acknowledged, or lost and listed) with a
// document.
func expectedDocuments(rep *sim.Report) uint64 {
	var n uint64
	for _, f := range rep.Faxes {
		if f.Owed() && f.Document != nil {
			n++
		}
	}
	return n
}

// awaitDocuments waits until FAXPIPE_DOCUMENTS holds want announcements.
func awaitDocuments(ctx context.Context, cfg *config.Config, want uint64) error {
	conn, err := stream.Connect(brokerURL(cfg.NATS), cfg.NATS, "demo", zap.NewNop())
	if err != nil {
		return err
	}
	defer conn.Close(time.Second)
	return poll(ctx, func(ctx context.Context) bool {
		s, err := conn.JS.Stream(ctx, fax.DocumentsStream)
		if err != nil {
			return false
		}
		info, err := s.Info(ctx)
		return err == nil && info.State.Msgs >= want
	})
}

// awaitReady waits until the admin server on listen answers /readyz.
func awaitReady(ctx context.Context, listen string) error {
	base, err := config.LocalURL(listen)
	if err != nil {
		return err
	}
	return poll(ctx, func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
		if err != nil {
			return false
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// documentLines passes tail's output on to w and counts the document
// announcements in it, so that the demo can end once all are shown. It
// knows tail's line: "TIME #SEQ faxpipe.document.OUTCOME …".
type documentLines struct {
	w     io.Writer
	mu    sync.Mutex
	n     uint64
	wrote chan struct{} // closed, and replaced, on every write
}

func newDocumentLines(w io.Writer) *documentLines {
	return &documentLines{w: w, wrote: make(chan struct{})}
}

var documentType = []byte(" faxpipe.document.")

func (d *documentLines) Write(p []byte) (int, error) {
	n, err := d.w.Write(p)
	d.mu.Lock()
	defer d.mu.Unlock()
	for line := range bytes.Lines(p[:n]) {
		if bytes.Contains(line, documentType) {
			d.n++
		}
	}
	close(d.wrote)
	d.wrote = make(chan struct{})
	return n, err
}

// await waits until want document announcements were written, or returns
// ctx's error.
func (d *documentLines) await(ctx context.Context, want uint64) error {
	for {
		d.mu.Lock()
		n, wrote := d.n, d.wrote
		d.mu.Unlock()
		if n >= want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tail showed %d of %d documents: %w", n, want, ctx.Err())
		case <-wrote:
		}
	}
}
