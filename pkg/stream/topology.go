// Package stream is faxpipe's JetStream adapter: the connection, the
// embedded server, the topology (streams, KV bucket, object store) and the
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

// rawDuplicateWindow is the Nats-Msg-Id window of FAXPIPE_RAW.
const rawDuplicateWindow = time.Minute

// Topology is every stream and bucket faxpipe uses, as plain configuration
// structs so it reads at a glance. Build it with NewTopology.
type Topology struct {
	Streams   []jetstream.StreamConfig
	Dedupe    jetstream.KeyValueConfig
	Documents jetstream.ObjectStoreConfig
}

// NewTopology derives the topology from the streams configuration.
func NewTopology(s config.Streams) Topology {
	stream := func(name, desc string, r config.Retention) jetstream.StreamConfig {
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
			Discard:     jetstream.DiscardOld,
			// Raw callbacks and events are evidence: no single message may be
			// deleted. Purging stays possible for operators (a retention or
			// erasure request), as a deliberate whole-subject act.
			DenyDelete: true,
			DenyPurge:  false,
		}
	}
	raw := stream(fax.RawStream, "Raw provider callbacks, byte-exact (schemas/raw-callback.v1.json)", s.Raw)
	// A raw message's id is new for every request, so its window only has
	// to cover a publish the client itself repeats; a long one would hold
	// every id of the last minutes in the servers' memory.
	raw.Duplicates = min(s.DuplicateWindow, rawDuplicateWindow)
	return Topology{
		Streams: []jetstream.StreamConfig{
			raw,
			stream(fax.EventsStream, "Normalized fax events, CloudEvents 1.0 (schemas/fax-event.v1.json)", s.Events),
			stream(fax.DocumentsStream, "Fax document stored/failed announcements (schemas/fax-document.v1.json)", s.Documents),
			stream(fax.RejectedStream, "Raw callbacks rejected, with the reason (schemas/rejected.v1.json)", s.Rejected),
		},
		Dedupe: jetstream.KeyValueConfig{
			Bucket:      fax.DedupeBucket,
			Description: "Event ids already published, for exactly-once output",
			TTL:         s.DedupeTTL,
			Storage:     jetstream.FileStorage,
			Replicas:    s.Replicas,
			History:     1,
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

// Ensure creates every stream and bucket, or updates it to this
// configuration. It is idempotent and safe to run from every replica of every
// service at once.
func (t Topology) Ensure(ctx context.Context, js jetstream.JetStream) error {
	for _, sc := range t.Streams {
		if _, err := js.CreateOrUpdateStream(ctx, sc); err != nil {
			return fmt.Errorf("stream %s: %w", sc.Name, err)
		}
	}
	if t.Dedupe.Bucket != "" {
		if _, err := js.CreateOrUpdateKeyValue(ctx, t.Dedupe); err != nil {
			return fmt.Errorf("kv %s: %w", t.Dedupe.Bucket, err)
		}
	}
	if t.Documents.Bucket != "" {
		if _, err := js.CreateOrUpdateObjectStore(ctx, t.Documents); err != nil {
			return fmt.Errorf("object store %s: %w", t.Documents.Bucket, err)
		}
	}
	return nil
}

// Check reports an error unless every stream and bucket of the topology
// exists. It is the readiness probe's view of the broker.
func (t Topology) Check(ctx context.Context, js jetstream.JetStream) error {
	for _, name := range t.streamNames() {
		if _, err := js.Stream(ctx, name); err != nil {
			return fmt.Errorf("stream %s: %w", name, err)
		}
	}
	return nil
}

// streamNames are the streams of t, those under its buckets included.
func (t Topology) streamNames() []string {
	var out []string
	for _, sc := range t.Streams {
		out = append(out, sc.Name)
	}
	if t.Dedupe.Bucket != "" {
		out = append(out, kvStream(t.Dedupe.Bucket))
	}
	if t.Documents.Bucket != "" {
		out = append(out, objStream(t.Documents.Bucket))
	}
	return out
}

// For is the part of t among streams (names of streams, KV_ and OBJ_
// streams for buckets): what one role uses (Role.Streams).
func (t Topology) For(streams []string) Topology {
	var out Topology
	for _, sc := range t.Streams {
		if slices.Contains(streams, sc.Name) {
			out.Streams = append(out.Streams, sc)
		}
	}
	if slices.Contains(streams, kvStream(t.Dedupe.Bucket)) {
		out.Dedupe = t.Dedupe
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
