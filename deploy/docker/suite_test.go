package docker

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// Time bounds: building the images (seconds with a warm Go build cache,
// minutes on a fresh machine), then running the cluster and the checks
// (the failover's load, its stragglers and what lands of it, apart).
const buildTimeout = 5 * time.Minute

var runTimeout = 150*time.Second + failoverRun + 3*time.Minute

// TestContainers builds the images, starts faxpipe as containers on a
// 3-node NATS JetStream cluster, and checks the flow through the published
// ports.
func TestContainers(t *testing.T) {
	if testing.Short() {
		t.Skip("container suite: not in -short mode")
	}
	requireDocker(t)
	sweepCtx, cancelSweep := context.WithTimeout(context.Background(), time.Minute)
	sweep(sweepCtx, t)
	cancelSweep()
	// The reaper's image cannot be pulled; every container and the network
	// are removed in t.Cleanup instead. The daemon publishes ports on this
	// machine: reach them on loopback, not on a guessed gateway address.
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	t.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	buildCtx, cancelBuild := context.WithTimeout(context.Background(), buildTimeout)
	img := buildImages(buildCtx, t)
	cancelBuild()
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()

	t.Run("images run as a numeric non-root user", func(t *testing.T) {
		imagesRunAsNonRoot(ctx, t, img)
	})
	c := startCluster(ctx, t, img)
	t.Run("signed callback becomes one event", func(t *testing.T) {
		signedCallbackBecomesEvent(ctx, t, c)
	})
	t.Run("simulated faxes of every provider land once, with their documents", func(t *testing.T) {
		simulatedFaxesLand(ctx, t, c)
	})
	t.Run("streams and buckets have 3 current replicas", func(t *testing.T) {
		streamsReplicated(ctx, t, c)
	})
	// Last: it stops, restarts and pauses the nodes.
	t.Run("broker loss: nothing acknowledged lost or doubled", func(t *testing.T) {
		brokerLoss(ctx, t, c)
	})
	t.Run("NATS refused no service anything its role needs", func(t *testing.T) {
		nothingRefused(ctx, t, c)
	})
}

// signedCallbackBecomesEvent sends a GoFax callback with Basic auth to the
// published ingress port and finds its event on the cluster.
func signedCallbackBecomesEvent(ctx context.Context, t *testing.T, c *cluster) {
	faxID := randomFaxID()
	resp, err := gofaxCallback(ctx, c.ingress, faxID)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("callback: %d, want 200", resp.StatusCode)
	}
	waitCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	r := c.newReader(t)
	events := waitFor(waitCtx, t, "the callback's event", r.events, func(es []consumer.Message[fax.Event]) bool { return len(byFax(es, faxID)) > 0 })
	got := byFax(events, faxID)
	if len(got) != 1 {
		t.Fatalf("%d events for fax %s, want 1", len(got), faxID)
	}
	e := got[0].Data
	if e.Provider != fax.GoFax || e.Account != "demo" || e.Direction != fax.Inbound || e.Outcome != fax.OutcomeReceived || !e.Document {
		t.Errorf("event %+v: want a gofax/demo inbound received fax with a document", e)
	}
}

// randomFaxID is a GoFax fax id of 9 digits: the simulator's have 11.
func randomFaxID() string { return fmt.Sprint(rand.IntN(900_000_000) + 100_000_000) }

// gofaxCallback posts GoFax's callback of fax faxID, received complete,
// with the demo account's Basic auth, to the ingress at base. The answer's
// body is read and closed.
func gofaxCallback(ctx context.Context, base, faxID string) (*http.Response, error) {
	form := url.Values{
		"FaxID": {faxID}, "Number": {"61712344321"}, "Message": {"COMPLETE"}, "SenderFaxID": {"0311223344"},
		"SenderISDNID": {"0311223344"}, "TransmissionTime": {"24"}, "NumberOfPages": {"1"}, "TransmissionSpeed": {"33600"},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/callbacks/gofax/demo", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("gofax", "demo-gofax-password")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("gofax callback: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp, resp.Body.Close()
}

// byFax is the events of one fax id.
func byFax(es []consumer.Message[fax.Event], faxID string) []consumer.Message[fax.Event] {
	var out []consumer.Message[fax.Event]
	for _, e := range es {
		if e.Data.FaxID == faxID {
			out = append(out, e)
		}
	}
	return out
}

// nothingRefused: through everything the suite did, failovers included,
// no NATS node refused a service anything (a permission or its login) and
// no service was told of a refusal, but for a service's attempt at
// creating or updating the pipeline's streams, which the processor's user
// alone may do (the others then wait for it; in the suite the processor
// is ready first, so they find the streams and make none). A refusal the
// suite provokes first, as the consumer's user, shows that the nodes'
// logs are read and that their refusals are recognized.
func nothingRefused(ctx context.Context, t *testing.T, c *cluster) {
	nc := c.connect(t, stream.RoleConsumer)
	const canary = "faxpipe.raw.container-suite-canary" // the consumer may not publish raw callbacks
	if err := nc.Publish(canary, nil); err != nil {
		t.Fatal(err)
	}
	_ = nc.Flush()
	nc.Close()
	refusals := regexp.MustCompile(`Violation|authentication error|authorization violation`)
	topologyAttempt := regexp.MustCompile(`"\$G/user:faxpipe-(ingress|downloader|reconciler)" - Publish Violation - Subject "\$JS\.API\.STREAM\.(CREATE|UPDATE)\.FAXPIPE_`)
	var nodes map[string]string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(250 * time.Millisecond) {
		nodes = allLogs(ctx, t, c.nodes)
		seen := false
		for _, l := range nodes {
			seen = seen || strings.Contains(l, `Subject "`+canary+`"`)
		}
		if seen {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no node logged the refusal of the consumer's publish to %s: their refusals are not what this check looks for", canary)
		}
	}
	for name, l := range nodes {
		if v := grepLines(l, refusals, func(line string) bool {
			return topologyAttempt.MatchString(line) || strings.Contains(line, canary)
		}); v != "" {
			t.Errorf("%s refused something:\n%s", name, v)
		}
	}
	serviceAttempt := regexp.MustCompile(`Violation for Publish to \\"\$JS\.API\.STREAM\.(CREATE|UPDATE)\.FAXPIPE_`)
	for name, l := range allLogs(ctx, t, c.services) {
		if v := grepLines(l, refusals, func(line string) bool {
			return name != "processor" && serviceAttempt.MatchString(line)
		}); v != "" {
			t.Errorf("%s was refused something:\n%s", name, v)
		}
	}
}

// allLogs is the logs of each of ctrs, by name; one that cannot be read
// fails the test.
func allLogs(ctx context.Context, t *testing.T, ctrs map[string]testcontainers.Container) map[string]string {
	t.Helper()
	out := make(map[string]string, len(ctrs))
	for name, ctr := range ctrs {
		l, err := logs(ctx, ctr)
		if err != nil {
			t.Fatalf("%s's log: %v", name, err)
		}
		out[name] = l
	}
	return out
}

// grepLines is the lines of out that match re and are not expected.
func grepLines(out string, re *regexp.Regexp, expected func(line string) bool) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if re.MatchString(line) && !expected(line) {
			b.WriteString(line)
		}
	}
	return b.String()
}
