package stream_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/docstore"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/reconciler"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// rolesBroker is an embedded server requiring authentication, with one
// user per role (faxpipe-<role>), as `faxpipe all` runs it with
// nats.embedded.users.
type rolesBroker struct {
	t   *testing.T
	url string
}

func startRolesBroker(t *testing.T) *rolesBroker {
	t.Helper()
	cfg := config.Default().NATS.Embedded
	cfg.Port, cfg.DataDir = -1, t.TempDir()
	for _, r := range stream.Roles {
		cfg.Users = append(cfg.Users, config.EmbeddedUser{User: "faxpipe-" + string(r), Password: secret(t, password(r)), Role: string(r)})
	}
	emb, err := stream.StartEmbedded(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Shutdown)
	return &rolesBroker{t: t, url: emb.URL()}
}

func password(r stream.Role) string { return "test-password-of-" + string(r) }

func secret(t *testing.T, v string) config.Secret {
	t.Helper()
	s := config.Secret{Value: v}
	if err := s.Resolve(os.Getenv); err != nil {
		t.Fatal(err)
	}
	return s
}

// roleConn is a connection as one role's user, with the violations the
// broker reported to it.
type roleConn struct {
	*stream.Conn
	logs *observer.ObservedLogs
}

// connect connects as role's user, replies under the role's inbox prefix.
func (b *rolesBroker) connect(role stream.Role) *roleConn {
	b.t.Helper()
	cfg := config.Default().NATS
	cfg.User, cfg.Password, cfg.InboxPrefix = "faxpipe-"+string(role), secret(b.t, password(role)), role.InboxPrefix()
	core, logs := observer.New(zapcore.WarnLevel)
	c, err := stream.Connect(b.url, cfg, string(role), zap.New(core))
	if err != nil {
		b.t.Fatal(err)
	}
	b.t.Cleanup(func() { c.Close(time.Second) })
	deadline := time.Now().Add(5 * time.Second)
	for !c.NC.IsConnected() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !c.NC.IsConnected() {
		b.t.Fatalf("%s: not connected: %v", role, c.NC.LastError())
	}
	return &roleConn{Conn: c, logs: logs}
}

// violations are the permissions violations the broker reported.
func (c *roleConn) violations() []string {
	var out []string
	for _, e := range c.logs.All() {
		for _, f := range e.Context {
			if f.Key == "error" {
				if err, ok := f.Interface.(error); ok && strings.Contains(err.Error(), "Permissions Violation") {
					out = append(out, err.Error())
				}
			}
		}
	}
	return out
}

// awaitViolation waits up to 5 s for a violation naming subject (the
// broker reports it asynchronously; a loaded machine takes its time).
func (c *roleConn) awaitViolation(subject string) bool {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if slices.ContainsFunc(c.violations(), func(v string) bool { return strings.Contains(v, `"`+subject) }) {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// denial is one thing a role must not do: op must fail, and the broker
// must report a violation on a subject starting with subject.
type denial struct {
	name    string
	subject string
	op      func(ctx context.Context, c *roleConn) error
}

// checkDenied runs every denial against c.
func checkDenied(t *testing.T, c *roleConn, denials []denial) {
	t.Helper()
	for _, d := range denials {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 750*time.Millisecond)
			defer cancel()
			if err := d.op(ctx, c); err == nil {
				t.Errorf("succeeded")
			}
			if !c.awaitViolation(d.subject) {
				t.Errorf("no permissions violation on %s; violations: %q", d.subject, c.violations())
			}
		})
	}
}

// request is a JetStream API request with a reply under the connection's
// own inbox; a denied publish gets no answer.
func request(subject, body string) func(context.Context, *roleConn) error {
	return func(ctx context.Context, c *roleConn) error {
		_, err := c.NC.RequestWithContext(ctx, subject, []byte(body))
		return err
	}
}

// subscribe subscribes; a denied subscription is refused asynchronously,
// so it "fails" when a message published there by the admin never comes.
func subscribe(subject string) func(context.Context, *roleConn) error {
	return func(ctx context.Context, c *roleConn) error {
		sub, err := c.NC.SubscribeSync(subject)
		if err != nil {
			return err
		}
		defer func() { _ = sub.Unsubscribe() }()
		_, err = sub.NextMsgWithContext(ctx)
		return err
	}
}

// seeded is a broker whose topology the processor's user created, with one
// event and one document (announced and stored) in it.
type seeded struct {
	*rolesBroker
	doc      fax.DocumentAnnouncement
	docBytes []byte
}

func startSeeded(t *testing.T) *seeded {
	t.Helper()
	b := startRolesBroker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	proc := b.connect(stream.RoleProcessor)
	prov := &stream.Provision{Topology: stream.NewTopology(config.Default().Streams), Conn: proc.Conn, Owner: true,
		OnDenied: func(err error) { t.Errorf("the processor may not create the topology: %v", err) }}
	if err := prov.Provide(ctx); err != nil {
		t.Fatalf("the processor creates the topology: %v; violations %q", err, proc.violations())
	}
	admin := b.connect(stream.RoleAdmin)
	// The forged-callback and audit streams, where the topology does not
	// define them.
	for name, subject := range map[string]string{stream.ForgedStream: stream.ForgedSubjects, stream.AuditStream: stream.AuditSubjects} {
		if _, err := admin.JS.Stream(ctx, name); err != nil {
			if _, err := admin.JS.CreateStream(ctx, jetstream.StreamConfig{Name: name, Subjects: []string{subject}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := &seeded{rolesBroker: b, docBytes: bytes.Repeat([]byte("%PDF-1.4 a fax "), 20000)}
	if _, err := admin.JS.Publish(ctx, fax.EventSubject(fax.Sfax, "demo", fax.ChannelFax, fax.Inbound, fax.OutcomeReceived), []byte(`{"id":"e1"}`)); err != nil {
		t.Fatal(err)
	}
	// The downloader's user stores and announces the document.
	dl := b.connect(stream.RoleDownloader)
	store, err := docstore.OpenJetStream(ctx, dl.JS, fax.DocumentBucket)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Put(ctx, docstore.Object{Name: "sfax/demo/f1.pdf", ContentType: "application/pdf"}, bytes.NewReader(s.docBytes))
	if err != nil {
		t.Fatalf("the downloader stores a document: %v", err)
	}
	s.doc = fax.DocumentAnnouncement{Provider: fax.Sfax, Account: "demo", FaxID: "f1", EventID: "e1", Outcome: fax.DocumentStored,
		Bucket: st.Bucket, Object: st.Name, SHA256: st.SHA256, Size: &st.Size, ContentType: st.ContentType}
	data, err := s.doc.Encode(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dl.JS.Publish(ctx, s.doc.Subject(), data); err != nil {
		t.Fatalf("the downloader announces a document: %v", err)
	}
	event := stream.NewMsg(fax.EventSubject(fax.Sfax, "demo", fax.ChannelFax, fax.Inbound, fax.OutcomeReceived), "e1", []byte(`{}`))
	if _, err := stream.NewPublisher(proc.Conn, fax.EventsStream).Publish(ctx, event); err != nil {
		t.Fatalf("the processor publishes an event: %v", err)
	}
	for _, c := range []*roleConn{proc, dl} {
		if v := c.violations(); len(v) > 0 {
			t.Errorf("violations: %q", v)
		}
	}
	return s
}

// TestIngressCanOnlyPublishRawCallbacks: the ingress's user publishes a raw
// callback (and a forged record) and gets its acknowledgement, and sees its
// own streams exist (readiness); it cannot read FAXPIPE_EVENTS,
// FAXPIPE_DOCUMENTS or the object store, nor read back
// raw callbacks, nor change the topology, nor read another role's replies.
func TestIngressCanOnlyPublishRawCallbacks(t *testing.T) {
	s := startSeeded(t)
	in := s.connect(stream.RoleIngress)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	seq, err := stream.NewPublisher(in.Conn, fax.RawStream).Publish(ctx, stream.NewMsg(fax.RawSubject(fax.Sfax, "demo"), "raw-1", []byte(`{"raw":1}`)))
	if err != nil || seq == 0 {
		t.Fatalf("publish a raw callback: seq %d, %v", seq, err)
	}
	if _, err := stream.NewPublisher(in.Conn, stream.ForgedStream).Publish(ctx, stream.NewMsg("faxpipe.forged.sfax.demo", "forged-1", []byte(`{}`))); err != nil {
		t.Fatalf("publish a forged record: %v", err)
	}
	prov := &stream.Provision{Topology: stream.NewTopology(config.Default().Streams).For(stream.RoleIngress.Streams()), Conn: in.Conn,
		OnDenied: func(err error) { t.Errorf("denied: %v", err) }}
	if err := prov.Provide(ctx); err != nil {
		t.Fatalf("the ingress's readiness: %v", err)
	}
	if v := in.violations(); len(v) > 0 {
		t.Fatalf("violations doing its job: %q", v)
	}
	meta := "$O." + fax.DocumentBucket + ".M." + "c2ZheC9kZW1vL2YxLnBkZg=="
	checkDenied(t, in, []denial{
		{"look up FAXPIPE_EVENTS", "$JS.API.STREAM.INFO.FAXPIPE_EVENTS", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.Stream(ctx, fax.EventsStream)
			return err
		}},
		{"consume FAXPIPE_EVENTS", "$JS.API.CONSUMER.CREATE.FAXPIPE_EVENTS.", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.CreateConsumer(ctx, fax.EventsStream, jetstream.ConsumerConfig{})
			return err
		}},
		{"pull as the downloader", "$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.faxpipe-downloader", request("$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.faxpipe-downloader", `{"batch":1}`)},
		{"get an event", "$JS.API.STREAM.MSG.GET.FAXPIPE_EVENTS", request("$JS.API.STREAM.MSG.GET.FAXPIPE_EVENTS", `{"seq":1}`)},
		{"get an event directly", "$JS.API.DIRECT.GET.FAXPIPE_EVENTS", request("$JS.API.DIRECT.GET.FAXPIPE_EVENTS", `{"seq":1}`)},
		{"subscribe to events", "faxpipe.events.>", subscribe("faxpipe.events.>")},
		{"consume FAXPIPE_DOCUMENTS", "$JS.API.CONSUMER.CREATE.FAXPIPE_DOCUMENTS.", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.CreateConsumer(ctx, fax.DocumentsStream, jetstream.ConsumerConfig{})
			return err
		}},
		{"get an announcement", "$JS.API.STREAM.MSG.GET.FAXPIPE_DOCUMENTS", request("$JS.API.STREAM.MSG.GET.FAXPIPE_DOCUMENTS", `{"seq":1}`)},
		{"open the object store", "$JS.API.STREAM.INFO.OBJ_faxpipe-documents", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.ObjectStore(ctx, fax.DocumentBucket)
			return err
		}},
		// A read is recorded first: the audit record is what is refused.
		{"read a document", "faxpipe.audit.document.read", func(ctx context.Context, c *roleConn) error {
			r, err := consumer.OpenDocument(ctx, c.JS, s.doc)
			if err == nil {
				_ = r.Close()
			}
			return err
		}},
		{"get a document's meta directly", "$JS.API.DIRECT.GET.OBJ_faxpipe-documents", request("$JS.API.DIRECT.GET.OBJ_faxpipe-documents."+meta, "")},
		{"consume a document's chunks", "$JS.API.CONSUMER.CREATE.OBJ_faxpipe-documents.", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.CreateConsumer(ctx, "OBJ_"+fax.DocumentBucket, jetstream.ConsumerConfig{})
			return err
		}},
		{"subscribe to the object store", "$O.faxpipe-documents.>", subscribe("$O.faxpipe-documents.>")},
		{"read the published event ids", "$JS.API.CONSUMER.CREATE.FAXPIPE_EVENTS.", func(ctx context.Context, c *roleConn) error {
			_, err := stream.MsgIDs(ctx, c.JS, fax.EventsStream, fax.StreamSubjects[fax.EventsStream], time.Time{})
			return err
		}},
		{"read raw callbacks back", "$JS.API.CONSUMER.CREATE.FAXPIPE_RAW.", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.CreateConsumer(ctx, fax.RawStream, jetstream.ConsumerConfig{})
			return err
		}},
		{"publish an event", "faxpipe.events.sfax.demo", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.Publish(ctx, fax.EventSubject(fax.Sfax, "demo", fax.ChannelFax, fax.Inbound, fax.OutcomeReceived), []byte(`{}`))
			return err
		}},
		{"change FAXPIPE_RAW", "$JS.API.STREAM.UPDATE.FAXPIPE_RAW", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.UpdateStream(ctx, jetstream.StreamConfig{Name: fax.RawStream, Subjects: []string{"faxpipe.raw.>"}, MaxMsgs: 1})
			return err
		}},
		{"delete FAXPIPE_RAW", "$JS.API.STREAM.DELETE.FAXPIPE_RAW", func(ctx context.Context, c *roleConn) error {
			return c.JS.DeleteStream(ctx, fax.RawStream)
		}},
		{"create a stream", "$JS.API.STREAM.CREATE.STOLEN", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.CreateStream(ctx, jetstream.StreamConfig{Name: "STOLEN", Subjects: []string{"stolen.>"}})
			return err
		}},
		{"read the consumer role's replies", "_INBOX.consumer.>", subscribe("_INBOX.consumer.>")},
		{"read every reply", "_INBOX.>", subscribe("_INBOX.>")},
	})
}

// TestConsumerRoleReadsAndAuditsOnly: a downstream reader's user reads
// events and documents (its own durable consumer, an ordered consumer, the
// document's bytes) and publishes audit records; it cannot publish raw
// callbacks, events or announcements, change or delete streams, write the
// buckets, read rejections, or take the downloader's messages.
func TestConsumerRoleReadsAndAuditsOnly(t *testing.T) {
	s := startSeeded(t)
	c := s.connect(stream.RoleConsumer)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	got := make(chan fax.DocumentAnnouncement, 1)
	var once sync.Once
	cons := consumer.Documents(c.JS, consumer.Config{Durable: "ehr"})
	rctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- cons.Run(rctx, func(_ context.Context, m consumer.Message[fax.DocumentAnnouncement]) error {
			once.Do(func() { got <- m.Data })
			return nil
		})
	}()
	var doc fax.DocumentAnnouncement
	select {
	case doc = <-got:
	case <-ctx.Done():
		t.Fatalf("no announcement read; violations %q", c.violations())
	}
	stop()
	<-done //nolint:errcheck // the consumer's error once stopped: its end, not a failure
	r, err := consumer.OpenDocument(ctx, c.JS, doc)
	if err != nil {
		t.Fatalf("open the document: %v", err)
	}
	b, err := io.ReadAll(r)
	_ = r.Close()
	if err != nil || !bytes.Equal(b, s.docBytes) {
		t.Fatalf("document: %d bytes, %v; want the %d stored", len(b), err, len(s.docBytes))
	}
	oc, err := c.JS.OrderedConsumer(ctx, fax.EventsStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		t.Fatalf("ordered consumer on events: %v", err)
	}
	if m, err := oc.Next(jetstream.FetchMaxWait(5 * time.Second)); err != nil || !strings.Contains(string(m.Data()), "e1") {
		t.Fatalf("read an event: %v", err)
	}
	if _, err := c.JS.Publish(ctx, "faxpipe.audit.document.read", []byte(`{"who":"ehr"}`)); err != nil {
		t.Fatalf("publish an audit record: %v", err)
	}
	if v := c.violations(); len(v) > 0 {
		t.Fatalf("violations doing its job: %q", v)
	}
	publish := func(subject string) func(context.Context, *roleConn) error {
		return func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.Publish(ctx, subject, []byte(`{}`))
			return err
		}
	}
	checkDenied(t, c, []denial{
		{"publish a raw callback", "faxpipe.raw.sfax.demo", publish(fax.RawSubject(fax.Sfax, "demo"))},
		{"publish an event", "faxpipe.events.sfax.demo", publish(fax.EventSubject(fax.Sfax, "demo", fax.ChannelFax, fax.Inbound, fax.OutcomeReceived))},
		{"announce a document", "faxpipe.documents.sfax.demo", publish(fax.DocumentSubject(fax.Sfax, "demo", fax.DocumentStored))},
		{"put an object", "$O.faxpipe-documents.", publish("$O.faxpipe-documents.C.x")},
		{"put a reconciler key", "$KV.faxpipe-reconciler.x", publish("$KV.faxpipe-reconciler.x")},
		{"delete FAXPIPE_EVENTS", "$JS.API.STREAM.DELETE.FAXPIPE_EVENTS", func(ctx context.Context, c *roleConn) error {
			return c.JS.DeleteStream(ctx, fax.EventsStream)
		}},
		{"delete FAXPIPE_RAW", "$JS.API.STREAM.DELETE.FAXPIPE_RAW", func(ctx context.Context, c *roleConn) error {
			return c.JS.DeleteStream(ctx, fax.RawStream)
		}},
		{"purge the object store", "$JS.API.STREAM.PURGE.OBJ_faxpipe-documents", request("$JS.API.STREAM.PURGE.OBJ_faxpipe-documents", "{}")},
		{"change FAXPIPE_DOCUMENTS", "$JS.API.STREAM.UPDATE.FAXPIPE_DOCUMENTS", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.UpdateStream(ctx, jetstream.StreamConfig{Name: fax.DocumentsStream, Subjects: []string{"faxpipe.documents.>"}, MaxAge: time.Second})
			return err
		}},
		{"read rejections", "$JS.API.STREAM.INFO.FAXPIPE_REJECTED", func(ctx context.Context, c *roleConn) error {
			_, err := c.JS.Stream(ctx, fax.RejectedStream)
			return err
		}},
		{"take the downloader's messages", "$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.faxpipe-downloader", request("$JS.API.CONSUMER.MSG.NEXT.FAXPIPE_EVENTS.faxpipe-downloader", `{"batch":1}`)},
		{"delete the downloader's consumer", "$JS.API.CONSUMER.DELETE.FAXPIPE_EVENTS.faxpipe-downloader", func(ctx context.Context, c *roleConn) error {
			return c.JS.DeleteConsumer(ctx, fax.EventsStream, stream.DownloaderDurable)
		}},
		{"read the downloader's replies", "_INBOX.downloader.>", subscribe("_INBOX.downloader.>")},
	})
}

// TestServiceRolesDoTheirJobs: each service's user does what its service
// does, with no permissions violation: the processor and the downloader
// in startSeeded; here the processor's and the downloader's durable
// consumers, and the reconciler's buckets, raw publishes and event id reads.
func TestServiceRolesDoTheirJobs(t *testing.T) {
	s := startSeeded(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	type job struct {
		role stream.Role
		do   func(c *roleConn) error
	}
	pull := func(name string, cc jetstream.ConsumerConfig) func(c *roleConn) error {
		return func(c *roleConn) error {
			cons, err := stream.Attach(ctx, c.JS, name, cc, func(context.Context) error { return nil }, func(err error) { t.Logf("attach: %v", err) })
			if err != nil {
				return err
			}
			m, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
			if err != nil {
				return err
			}
			return m.DoubleAck(ctx)
		}
	}
	jobs := []job{
		{stream.RoleProcessor, pull(fax.RawStream, stream.ProcessorConsumer(30*time.Second, 10))},
		{stream.RoleDownloader, pull(fax.EventsStream, stream.DownloaderConsumer(time.Minute, 10))},
		{stream.RoleReconciler, func(c *roleConn) error {
			for _, b := range []string{reconciler.StateBucket, reconciler.LeaseBucket} {
				kv, err := c.JS.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: b, History: 1})
				if err != nil {
					return err
				}
				if _, err := kv.Put(ctx, "sfax.demo", []byte("x")); err != nil {
					return err
				}
				if _, err := kv.Get(ctx, "sfax.demo"); err != nil {
					return err
				}
			}
			ids, err := stream.MsgIDs(ctx, c.JS, fax.EventsStream, fax.EventSubject(fax.Sfax, "demo", "", "", ""), time.Now().Add(-time.Hour))
			if err != nil {
				return err
			}
			if !ids["e1"] {
				return fmt.Errorf("published event ids %v, want e1", ids)
			}
			_, err = stream.NewPublisher(c.Conn, fax.RawStream).Publish(ctx, stream.NewMsg(fax.RawSubject(fax.Sfax, "demo"), "raw-r", []byte(`{}`)))
			return err
		}},
	}
	// A raw callback for the processor to pull.
	if _, err := stream.NewPublisher(s.connect(stream.RoleIngress).Conn, fax.RawStream).Publish(ctx, stream.NewMsg(fax.RawSubject(fax.Sfax, "demo"), "raw-p", []byte(`{}`))); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		t.Run(string(j.role), func(t *testing.T) {
			c := s.connect(j.role)
			if err := j.do(c); err != nil {
				t.Errorf("%v; violations %q", err, c.violations())
			}
			if v := c.violations(); len(v) > 0 {
				t.Errorf("violations: %q", v)
			}
		})
	}
}

// TestEveryRoleReadsHowFullItsStreamsAre: the stream fill every service
// exports (Usage) is read with its own user's permissions: a series for
// each of the role's streams, and no violation.
func TestEveryRoleReadsHowFullItsStreamsAre(t *testing.T) {
	s := startSeeded(t)
	for _, role := range stream.Roles {
		t.Run(string(role), func(t *testing.T) {
			c := s.connect(role)
			reg := prometheus.NewPedanticRegistry()
			u, err := stream.NewUsage(c.JS, role.Streams(), reg, zap.NewNop())
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			u.Read(ctx)
			n, err := testutil.GatherAndCount(reg, "faxpipe_stream_bytes")
			if err != nil {
				t.Fatal(err)
			}
			if n != len(role.Streams()) {
				t.Errorf("%d faxpipe_stream_bytes series for the %d streams %v; violations %q", n, len(role.Streams()), role.Streams(), c.violations())
			}
			if v := c.violations(); len(v) > 0 {
				t.Errorf("violations: %q", v)
			}
		})
	}
}

// TestNamesAgree: the names permissions.go holds for other packages are
// theirs.
func TestNamesAgree(t *testing.T) {
	if reconciler.StateBucket != stream.ReconcilerStateBucket || reconciler.LeaseBucket != stream.ReconcilerLeaseBucket {
		t.Errorf("reconciler buckets %s, %s; permissions.go has %s, %s", reconciler.StateBucket, reconciler.LeaseBucket,
			stream.ReconcilerStateBucket, stream.ReconcilerLeaseBucket)
	}
	var roles []string
	for _, r := range stream.Roles {
		roles = append(roles, string(r))
	}
	if !slices.Equal(roles, config.NATSRoles) {
		t.Errorf("config.NATSRoles %v, stream.Roles %v", config.NATSRoles, roles)
	}
}

// TestProvisionWaitsForTheOwner: a service whose user may not create the
// streams (the ingress) hears so once, stays without its topology until
// the owner (the processor) creates it, and then has it without asking to
// create it again.
func TestProvisionWaitsForTheOwner(t *testing.T) {
	b := startRolesBroker(t)
	in := b.connect(stream.RoleIngress)
	topo := stream.NewTopology(config.Default().Streams)
	var denials []error
	prov := &stream.Provision{Topology: topo.For(stream.RoleIngress.Streams()), Conn: in.Conn, Owner: stream.RoleIngress.OwnsTopology(),
		OnDenied: func(err error) { denials = append(denials, err) }}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err := prov.Provide(ctx)
	cancel()
	if err == nil {
		t.Fatal("the ingress has its topology before anyone created it")
	}
	if len(denials) != 1 || !strings.Contains(denials[0].Error(), "$JS.API.STREAM.") {
		t.Fatalf("denials %v, want one naming the stream API", denials)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	owner := &stream.Provision{Topology: topo, Conn: b.connect(stream.RoleProcessor).Conn, Owner: stream.RoleProcessor.OwnsTopology(),
		OnDenied: func(err error) { t.Errorf("the processor: %v", err) }}
	if err := owner.Provide(ctx); err != nil {
		t.Fatalf("the processor creates the topology: %v", err)
	}
	before := len(in.violations())
	if err := prov.Provide(ctx); err != nil {
		t.Fatalf("the ingress, once the processor created its streams: %v", err)
	}
	if len(denials) != 1 || len(in.violations()) != before {
		t.Errorf("asked to create the streams again: denials %v, violations %q", denials, in.violations())
	}
}

// TestEmbeddedRequiresAuthentication: with users configured, the embedded
// server refuses a client without credentials or with a wrong password;
// a user of an unknown role does not start it.
func TestEmbeddedRequiresAuthentication(t *testing.T) {
	b := startRolesBroker(t)
	for _, tc := range []struct {
		name string
		opts []nats.Option
	}{
		{"no credentials", nil},
		{"wrong password", []nats.Option{nats.UserInfo("faxpipe-admin", password(stream.RoleIngress))}},
		{"unknown user", []nats.Option{nats.UserInfo("mallory", password(stream.RoleAdmin))}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc, err := nats.Connect(b.url, tc.opts...)
			if err == nil {
				nc.Close()
				t.Fatal("connected")
			}
			if !errors.Is(err, nats.ErrAuthorization) {
				t.Errorf("error %v, want an authorization violation", err)
			}
		})
	}
	nc, err := nats.Connect(b.url, nats.UserInfo("faxpipe-admin", password(stream.RoleAdmin)))
	if err != nil {
		t.Fatalf("the admin: %v", err)
	}
	nc.Close()

	cfg := config.Default().NATS.Embedded
	cfg.Port, cfg.DataDir = -1, t.TempDir()
	cfg.Users = []config.EmbeddedUser{{User: "u", Password: secret(t, "a-password-of-u"), Role: "root"}}
	if emb, err := stream.StartEmbedded(cfg); err == nil {
		emb.Shutdown()
		t.Error("started with a user of role root")
	} else if !strings.Contains(err.Error(), "nats.embedded.users[0].role") {
		t.Errorf("error %v does not name the field", err)
	}
}

// TestTopologyForRole: each service looks at (and its readiness checks)
// only the streams and buckets of its role.
func TestTopologyForRole(t *testing.T) {
	full := stream.NewTopology(config.Default().Streams)
	tests := []struct {
		role      stream.Role
		streams   []string
		documents bool
	}{
		{stream.RoleIngress, []string{fax.RawStream}, false},
		{stream.RoleProcessor, []string{fax.RawStream, fax.EventsStream, fax.DocumentsStream, fax.RejectedStream}, true},
		{stream.RoleDownloader, []string{fax.EventsStream, fax.DocumentsStream}, true},
		{stream.RoleReconciler, []string{fax.RawStream, fax.EventsStream}, false},
		{stream.RoleAdmin, []string{fax.RawStream, fax.EventsStream, fax.DocumentsStream, fax.RejectedStream}, true},
	}
	for _, tc := range tests {
		t.Run(string(tc.role), func(t *testing.T) {
			got := full.For(tc.role.Streams())
			var names []string
			for _, sc := range got.Streams {
				if sc.Name != stream.ForgedStream && sc.Name != stream.AuditStream { // where the topology defines them
					names = append(names, sc.Name)
				}
			}
			if !slices.Equal(names, tc.streams) {
				t.Errorf("streams %v, want %v", names, tc.streams)
			}
			if (got.Documents.Bucket != "") != tc.documents {
				t.Errorf("object store %q; want it: %v", got.Documents.Bucket, tc.documents)
			}
		})
	}
}
