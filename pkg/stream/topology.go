// Package stream is faxpipe's JetStream adapter: the connection, the
// embedded server, the topology (streams and the object store) and the
// publishers the services use.
package stream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
)

// rawDuplicateWindow is the Nats-Msg-Id window of FAXPIPE_RAW and
// FAXPIPE_FORGED.
const rawDuplicateWindow = time.Minute

// forgedMaxMsgSize bounds one record of FAXPIPE_FORGED: a record names a
// request and never carries its body, so it is far smaller.
const forgedMaxMsgSize = 16 << 10

// Topology is every stream and bucket faxpipe uses, as plain configuration
// structs so it reads at a glance. Build it with NewTopology.
type Topology struct {
	Streams   []jetstream.StreamConfig
	Documents jetstream.ObjectStoreConfig
}

// NewTopology derives the topology from the streams configuration.
func NewTopology(s config.Streams) Topology {
	stream := func(name, desc string, r config.Retention, discard jetstream.DiscardPolicy) jetstream.StreamConfig {
		return jetstream.StreamConfig{
			Name:        name,
			Description: desc,
			Subjects:    []string{fax.StreamSubjects[name]},
			Retention:   jetstream.LimitsPolicy,
			Storage:     jetstream.FileStorage,
			Replicas:    s.Replicas,
			MaxAge:      r.MaxAge,
			MaxBytes:    int64(r.MaxBytes),
			Duplicates:  s.DuplicateWindow,
			Discard:     discard,
			// Raw callbacks and events are evidence: no single message may be
			// deleted. Purging stays possible for operators (a retention or
			// erasure request), as a deliberate whole-subject act.
			DenyDelete: true,
			DenyPurge:  false,
		}
	}
	// What happens when a stream is full (README "Retention and sizing"):
	// raw callbacks, events and document announcements are refused rather
	// than the oldest dropped (DiscardNew), so nothing unprocessed or
	// unread disappears: the ingress answers 503 and the provider retries,
	// the processor and the downloader retry until there is room. A full
	// FAXPIPE_REJECTED drops its oldest records instead: they only point
	// at raw callbacks that never became faxes, and a flood of forgeries
	// must not stop genuine ones.
	raw := stream(fax.RawStream, "Raw provider callbacks, byte-exact (schemas/raw-callback.v1.json)", s.Raw, jetstream.DiscardNew)
	// Only the reconciler's feeds carry a Nats-Msg-Id here (a callback's
	// raw message has none: ingress.Server.publish), and the window only
	// has to cover its replicas repeating a feed at once.
	raw.Duplicates = min(s.DuplicateWindow, rawDuplicateWindow)
	forged := stream(fax.ForgedStream, "Callbacks the ingress refused as forged: who, when, why; never their content (schemas/forged.v1.json)", s.Forged, jetstream.DiscardOld)
	forged.Duplicates = min(s.DuplicateWindow, rawDuplicateWindow)
	forged.MaxMsgSize = forgedMaxMsgSize
	// An event is published with Nats-Msg-Id = its event id, and the
	// stream's duplicate window is the dedupe horizon (streams.dedupe_ttl):
	// the broker itself drops an event published again within it, in the
	// publish's one round trip. The servers keep the window's ids in
	// memory and rebuild them from the stored events on restart (README
	// "Performance").
	events := stream(fax.EventsStream, "Normalized fax events, CloudEvents 1.0 (schemas/fax-event.v1.json); Nats-Msg-Id = event id, deduplicated over the duplicate window", s.Events, jetstream.DiscardNew)
	events.Duplicates = s.DedupeTTL
	return Topology{
		Streams: []jetstream.StreamConfig{
			raw,
			events,
			stream(fax.DocumentsStream, "Fax document stored/failed announcements (schemas/fax-document.v1.json)", s.Documents, jetstream.DiscardNew),
			stream(fax.RejectedStream, "Raw callbacks rejected, with the reason, referencing FAXPIPE_RAW (schemas/rejected.v1.json)", s.Rejected, jetstream.DiscardOld),
			forged,
			auditStream(stream(fax.AuditStream, "Access audit: who read a document or revealed personal data (schemas/audit.v1.json)", s.Audit, jetstream.DiscardNew)),
		},
		Documents: jetstream.ObjectStoreConfig{
			Bucket:      fax.DocumentBucket,
			Description: "Received fax documents, {provider}/{account}/{fax_id}.{ext}",
			Storage:     jetstream.FileStorage,
			Replicas:    s.Replicas,
			MaxBytes:    int64(s.DocumentStore.MaxBytes),
			TTL:         s.DocumentStore.MaxAge,
		},
	}
}

// auditMaxRecord bounds one audit record; a record is well under 1 KiB.
const auditMaxRecord = 16 << 10

// auditStream makes sc an audit trail nobody can edit: no record deleted or
// purged, and a full stream refuses a new record (so the read it audits
// fails) rather than dropping an old one. Records leave only by age.
func auditStream(sc jetstream.StreamConfig) jetstream.StreamConfig {
	sc.Discard = jetstream.DiscardNew
	sc.DenyDelete, sc.DenyPurge = true, true
	sc.MaxMsgSize = auditMaxRecord
	return sc
}

// Ensure creates every stream and bucket, or updates it to this
// configuration. It is idempotent and safe to run from every replica of every
// service at once.
func (t Topology) Ensure(ctx context.Context, js jetstream.JetStream) error {
	for _, sc := range t.Streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w%s", sc.Name, err, storageHint(err))
		}
	}
	if t.Documents.Bucket != "" {
		if _, err := js.CreateOrUpdateObjectStore(ctx, t.Documents); err != nil {
			return fmt.Errorf("object store %s: %w%s", t.Documents.Bucket, err, storageHint(err))
		}
	}
	return nil
}

// Check reports an error unless every stream and bucket of the topology
// exists. It is the readiness probe's view of the broker.
func (t Topology) Check(ctx context.Context, js jetstream.JetStream) error {
	for _, name := range t.StreamNames() {
		if _, err := js.Stream(ctx, name); err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
	}
	return nil
}

// StreamNames are the names of the streams of t, those under its buckets
// (KV_{bucket}, OBJ_{bucket}) included, in the order of t.
func (t Topology) StreamNames() []string {
	var out []string
	for _, sc := range t.Streams {
		out = append(out, sc.Name)
	}
	if t.Documents.Bucket != "" {
		out = append(out, objStream(t.Documents.Bucket))
	}
	return out
}

// For is the part of t among streams (names of streams, OBJ_ streams for
// buckets): what one role uses (Role.Streams).
func (t Topology) For(streams []string) Topology {
	var out Topology
	for _, sc := range t.Streams {
		if slices.Contains(streams, sc.Name) {
			out.Streams = append(out.Streams, sc)
		}
	}
	if slices.Contains(streams, objStream(t.Documents.Bucket)) {
		out.Documents = t.Documents
	}
	return out
}

// Provision has the topology in place for one service: set its fields,
// then call Provide or ProvideWithRetry from one goroutine.
type Provision struct {
	Topology Topology
	Conn     *Conn
	// Owner creates and updates the topology (Role.OwnsTopology); any other
	// service uses it as it is, and creates it only when some of it is
	// missing — on a broker without permissions, whichever service starts
	// first does.
	Owner bool
	// OnDenied hears, once, that the NATS user may not create or update the
	// streams (the broker reported a permissions violation): from then on
	// Provide only looks whether they exist.
	OnDenied func(error)

	denied bool
}

// Provide is one attempt: nil when the service can run on the topology.
func (p *Provision) Provide(ctx context.Context) error {
	t, js := p.Topology, p.Conn.JS
	if p.denied || !p.Owner {
		err := t.Check(ctx, js)
		if err == nil || p.denied {
			return err
		}
	}
	err := t.Ensure(ctx, js)
	if err == nil {
		return nil
	}
	if last := p.Conn.NC.LastError(); errors.Is(last, nats.ErrPermissionViolation) && strings.Contains(last.Error(), "$JS.API.STREAM.") {
		p.denied = true
		p.OnDenied(fmt.Errorf("%w (%w)", err, last))
		return t.Check(ctx, js)
	}
	return err
}

// ProvideWithRetry runs Provide until it succeeds or ctx ends (ctx's
// error), backing off between attempts; onErr hears every failure.
func (p *Provision) ProvideWithRetry(ctx context.Context, onErr func(error)) error {
	_, err := retry(ctx, ensurePolicy, func() (struct{}, error) { return struct{}{}, p.Provide(ctx) }, onErr)
	return err
}

// ProcessorConsumer is the durable pull consumer the processors share on
// FAXPIPE_RAW: every raw callback, acknowledged one by one, redelivered
// after ackWait if a processor dies holding it. JetStream never gives up
// redelivering (MaxDeliver -1): the processor itself rejects a message that
// keeps failing, and a rejection that fails to be stored is retried rather
// than stranded.
func ProcessorConsumer(ackWait time.Duration, maxAckPending int) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       "faxpipe-processor",
		Description:   "faxpipe processor: verify, dedupe, normalize",
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    -1,
		MaxAckPending: maxAckPending,
		FilterSubject: fax.StreamSubjects[fax.RawStream],
	}
}

// errCodeStorageResourcesExceeded is nats-server's JSStorageResourcesExceededErr
// ("insufficient storage resources available"), which nats.go names not.
const errCodeStorageResourcesExceeded jetstream.ErrorCode = 10047

// storageHint explains the broker refusing a stream's max_bytes: it
// reserves each stream's max_bytes against its store limit.
func storageHint(err error) string {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode == errCodeStorageResourcesExceeded {
		return " (the broker reserves every stream's max_bytes against its JetStream store limit: " +
			"lower streams.*.max_bytes, or raise nats.embedded.max_store, or the server's max_file_store; " +
			"the embedded server's default limit is 75% of the free disk)"
	}
	return ""
}
