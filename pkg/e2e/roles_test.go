package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
	"github.com/faxpipe/faxpipe/pkg/tools/sim"
)

// TestRolesRunThePipeline: a nats-server whose users are
// deploy/nats/permissions.conf (each role's permissions from pkg/stream),
// every service connected as its own role's user. The ingress starts
// first and waits, unready, for the processor to create the topology it
// owns. The simulator sends faxes and loses 30%
// of the received-fax webhooks, so the reconciler feeds those in. Every fax
// is one event and every received fax's document is stored; a downstream
// reader as the consumer user reads the events and every document's bytes
// (its own durable consumer and the object store); and nats-server
// refused nothing any of them did.
func TestRolesRunThePipeline(t *testing.T) {
	p := startRolesPipeline(t)
	s := startSim(t, p, sim.Options{
		Providers: listingProviders(t, p), Kinds: []string{sim.KindFaxIn, sim.KindFaxOut},
		Count: 24, Rate: 12, Concurrency: 4, Seed: 15, LoseRate: 0.3,
	})
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	r, err := s.Run(ctx)
	if err != nil {
		t.Fatalf("simulator: %v", err)
	}
	lost := len(r.Lost())
	if lost == 0 {
		t.Fatal("no webhook lost: the run did not exercise the reconciler")
	}
	l := awaitLanded(t, connectAs(t, p.natsURL, stream.RoleAdmin), r, 60*time.Second)
	tl := verify(t, r, l)
	if tl.documents == 0 {
		t.Fatal("no document stored: the run did not exercise the downloader")
	}

	reader := connectAs(t, p.natsURL, stream.RoleConsumer)
	if got, want := readEvents(t, reader), len(l.events); got != want {
		t.Errorf("the consumer read %d events, want %d", got, want)
	}
	for _, d := range l.documents {
		if d.Data.Outcome != fax.DocumentStored {
			continue
		}
		if got := readDocument(ctx, t, reader, d.Data); got != d.Data.SHA256 {
			t.Errorf("the consumer read %s with SHA-256 %s, want %s", d.Data.Object, got, d.Data.SHA256)
		}
	}
	// Refused: the ingress's one attempt at creating its streams, and
	// nothing else.
	expected := func(line string) bool {
		return strings.Contains(line, "faxpipe-ingress") && strings.Contains(line, `$JS.API.STREAM.`)
	}
	if v := grepLines(p.nats.Output(), "Violation", expected); v != "" { // "Publish Violation", "Subscription Violation"
		t.Errorf("nats-server refused something:\n%s", v)
	}
	for name, pr := range map[string]*proc{"ingress": p.ingress, "processor": p.processor, "downloader": p.downloader, "reconciler": p.reconciler} {
		if v := grepLines(pr.Output(), "permissions violation", func(line string) bool {
			return name == "ingress" && strings.Contains(line, `$JS.API.STREAM.`)
		}); v != "" {
			t.Errorf("%s was refused something:\n%s", name, v)
		}
	}
	t.Logf("%d faxes (%d webhooks lost), %d events, %d documents, each service as its own NATS user", len(r.Faxes), lost, tl.events, tl.documents)
}

// startRolesPipeline is startPipeline on a nats-server requiring the users
// of deploy/nats/permissions.conf, each service connecting as its role's
// user (nats.user from FAXPIPE_NATS_USER, nats.password from
// NATS_PASSWORD), with the reconciler.
func startRolesPipeline(t *testing.T) *pipeline {
	t.Helper()
	p := &pipeline{t: t, dir: t.TempDir(), admin: map[string]string{}}
	p.simAPI = addr(streamtest.FreePort(t))
	conf, err := os.ReadFile("../../deploy/nats/permissions.conf")
	if err != nil {
		t.Fatal(err)
	}
	port, mon := streamtest.FreePort(t), streamtest.FreePort(t)
	server := "listen: " + addr(port) + "\nhttp: " + addr(mon) + "\nmax_payload: 8MB\n" +
		"jetstream { store_dir: " + strconv.Quote(filepath.Join(p.dir, "nats")) + " }\ninclude ./permissions.conf\n"
	for name, data := range map[string]string{"permissions.conf": string(conf), "nats.conf": server} {
		if err := os.WriteFile(filepath.Join(p.dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var env []string
	for _, r := range stream.Roles {
		env = append(env, "FAXPIPE_NATS_"+strings.ToUpper(string(r))+"_PASSWORD="+rolePassword(r))
	}
	node := natsNode{proc: startProc(t, "nats-server", bins.natsServer, env, "-c", filepath.Join(p.dir, "nats.conf")),
		name: "n1", url: "nats://" + addr(port), mon: "http://" + addr(mon)}
	p.waitNATS(node)
	p.servers, p.nats, p.natsURL = []natsNode{node}, node.proc, node.url

	p.config = filepath.Join(p.dir, "faxpipe.yaml")
	cfg := strings.Replace(pipelineConfig(p.natsURL, "http://"+p.simAPI), "nats:\n", "nats:\n  user: faxpipe-admin\n  password: {env: NATS_PASSWORD}\n", 1)
	if err := os.WriteFile(p.config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	// The test loads the configuration too (the simulator's accounts); each
	// service gets its own NATS_PASSWORD after this one.
	t.Setenv("NATS_PASSWORD", "the-test-connects-on-its-own")
	as := func(r stream.Role, extra ...string) []string {
		return append([]string{"FAXPIPE_NATS_USER=faxpipe-" + string(r), "NATS_PASSWORD=" + rolePassword(r)}, extra...)
	}
	// The ingress first: it may not create its streams, says so once and
	// waits, unready, for the processor, which owns them.
	ingressPort, ingressAdmin := streamtest.FreePort(t), streamtest.FreePort(t)
	p.ingressURL, p.admin["ingress"] = "http://"+addr(ingressPort), "http://"+addr(ingressAdmin)
	p.ingress = startProc(t, "ingress", bins.faxpipe, as(stream.RoleIngress, "FAXPIPE_INGRESS_LISTEN="+addr(ingressPort),
		"FAXPIPE_ADMIN_LISTEN="+addr(ingressAdmin)), "-config", p.config, "ingress")
	const waiting = "this NATS user may not create or update the streams and buckets; waiting for the processor"
	waitOutput(t, p.ingress, waiting, 20*time.Second)
	if httpOK(context.Background(), p.admin["ingress"]+"/readyz") {
		t.Fatal("the ingress is ready without its streams")
	}
	p.processor = p.startService("processor", as(stream.RoleProcessor))
	waitHTTP(t, p.admin["ingress"]+"/readyz", 30*time.Second, p.ingress)
	if n := strings.Count(p.ingress.Output(), waiting); n != 1 {
		t.Errorf("the ingress said %d times that it waits, want once", n)
	}
	p.downloader = p.startService("downloader", as(stream.RoleDownloader))
	p.reconciler = p.startService("reconciler", as(stream.RoleReconciler))
	return p
}

func rolePassword(r stream.Role) string { return "e2e-password-of-" + string(r) }

// connectAs connects to url as role's user, its replies under the role's
// inbox prefix; closed in t.Cleanup.
func connectAs(t testing.TB, url string, r stream.Role) jetstream.JetStream {
	t.Helper()
	nc, err := nats.Connect(url, nats.Name("e2e-"+string(r)), nats.UserInfo("faxpipe-"+string(r), rolePassword(r)),
		nats.CustomInboxPrefix(r.InboxPrefix()), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		t.Fatalf("connect %s as %s: %v", url, r, err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// readEvents reads every event with a durable consumer of the consumer
// package, acknowledging each, until none comes for a second.
func readEvents(t *testing.T, js jetstream.JetStream) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := make(chan struct{}, 1024)
	done := make(chan error, 1)
	go func() {
		done <- consumer.Events(js, consumer.Config{Durable: "e2e-reader"}).Run(ctx, func(context.Context, consumer.Message[fax.Event]) error {
			seen <- struct{}{}
			return nil
		})
	}()
	n := 0
	for {
		select {
		case <-seen:
			n++
			continue
		case err := <-done:
			t.Fatalf("the consumer stopped: %v", err)
		case <-time.After(time.Second):
		}
		cancel()
		<-done //nolint:errcheck // the consumer's error once cancelled: its end, not a failure
		return n
	}
}

// readDocument is the SHA-256 of the document d announces, read through
// the consumer package.
func readDocument(ctx context.Context, t *testing.T, js jetstream.JetStream, d fax.DocumentAnnouncement) string {
	t.Helper()
	r, err := consumer.OpenDocument(ctx, js, d)
	if err != nil {
		t.Errorf("open %s: %v", d.Object, err)
		return ""
	}
	defer func() { _ = r.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		t.Errorf("read %s: %v", d.Object, err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// waitOutput waits until pr has written want.
func waitOutput(t *testing.T, pr *proc, want string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(pr.Output(), want) {
		if time.Now().After(deadline) || pr.Exited() {
			t.Fatalf("%s never wrote %q", pr.name, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// grepLines are the lines of out containing s, but those expected.
func grepLines(out, s string, expected func(line string) bool) string {
	var b strings.Builder
	for line := range strings.Lines(out) {
		if strings.Contains(line, s) && !expected(line) {
			b.WriteString(line)
		}
	}
	return b.String()
}
