package stream

import (
	"fmt"
	"slices"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Role is the part a NATS user plays in faxpipe. Each service connects as
// a user of its own role; downstream readers as consumer; `faxpipe all`
// and the operator tools as admin. What each may do is Permissions.
type Role string

// The roles.
const (
	RoleIngress    Role = "ingress"    // publishes raw callbacks (and forged records), nothing else
	RoleProcessor  Role = "processor"  // reads raw; publishes events (FAXPIPE_EVENTS's duplicate window dedupes them) and rejections; owns the topology
	RoleDownloader Role = "downloader" // reads received-fax events; writes the object store; announces documents
	RoleReconciler Role = "reconciler" // publishes raw; reads the events' ids (its consumers ask for headers only); owns its own buckets
	RoleConsumer   Role = "consumer"   // reads events, documents and the object store; publishes audit records
	RoleAdmin      Role = "admin"      // everything: `faxpipe all`, operator tools
)

// Roles are every role, in the order the pipeline runs.
var Roles = []Role{RoleIngress, RoleProcessor, RoleDownloader, RoleReconciler, RoleConsumer, RoleAdmin}

// ParseRole is the role named s, or an error naming the roles.
func ParseRole(s string) (Role, error) {
	if r := Role(s); slices.Contains(Roles, r) {
		return r, nil
	}
	return "", fmt.Errorf("unknown role %q (one of %v)", s, Roles)
}

// The streams and buckets the roles are built from that other parts of
// faxpipe define: the forged-callback and audit streams, and the
// reconciler's buckets (pkg/reconciler), named here because that package
// imports this one. permissions_test.go checks they agree.
const (
	ForgedStream          = "FAXPIPE_FORGED"
	ForgedSubjects        = "faxpipe.forged.>"
	AuditStream           = "FAXPIPE_AUDIT"
	AuditSubjects         = "faxpipe.audit.>"
	ReconcilerStateBucket = "faxpipe-reconciler"
	ReconcilerLeaseBucket = "faxpipe-reconciler-leases"
)

// The durable consumers of the services; no other role may use them.
const (
	ProcessorDurable  = "faxpipe-processor"
	DownloaderDurable = "faxpipe-downloader"
)

// Permissions are what a NATS user may publish and subscribe to: subjects
// allowed, and subjects denied even where an allowed wildcard covers them
// (a denial wins). A user publishes a JetStream API request, an
// acknowledgement or a key-value put as a message on its subject, so the
// publish list is also the list of JetStream operations.
type Permissions struct {
	Publish   Subjects
	Subscribe Subjects
}

// Subjects are allowed and denied subjects (wildcards * and >).
type Subjects struct {
	Allow []string
	Deny  []string
}

// InboxPrefix is the prefix of the role's reply subjects (JetStream API
// answers, publish acknowledgements, pulled messages): _INBOX.<role>. A
// user may subscribe under its own role's prefix only, so it cannot read
// the replies, documents included, meant for another role. A client
// connects with nats.CustomInboxPrefix(role.InboxPrefix()).
func (r Role) InboxPrefix() string { return "_INBOX." + string(r) }

// OwnsTopology reports whether the role creates and updates the streams and
// buckets (Topology.Ensure): admin, and the processor, which owns them in a
// cluster. The other roles only look them up and wait for them to exist.
func (r Role) OwnsTopology() bool { return r == RoleAdmin || r == RoleProcessor }

// Streams are the streams (KV_ and OBJ_ streams of buckets included) the
// role uses: its readiness checks these, and it may read their state.
func (r Role) Streams() []string {
	switch r {
	case RoleIngress:
		return []string{fax.RawStream, ForgedStream}
	case RoleDownloader:
		return []string{fax.EventsStream, fax.DocumentsStream, objStream(fax.DocumentBucket)}
	case RoleReconciler:
		return []string{fax.RawStream, fax.EventsStream}
	case RoleConsumer:
		return []string{fax.EventsStream, fax.DocumentsStream, AuditStream, objStream(fax.DocumentBucket)}
	default: // processor and admin own every stream
		return []string{fax.RawStream, ForgedStream, fax.EventsStream, fax.DocumentsStream, fax.RejectedStream,
			AuditStream, objStream(fax.DocumentBucket)}
	}
}

// Permissions are the role's permissions: the minimum its service uses.
func (r Role) Permissions() Permissions {
	var p Permissions
	switch r {
	case RoleIngress:
		p.Publish.Allow = join(
			[]string{fax.StreamSubjects[fax.RawStream], ForgedSubjects},
			streamInfo(r.Streams()...))
	case RoleProcessor:
		p.Publish.Allow = join(
			[]string{fax.StreamSubjects[fax.EventsStream], fax.StreamSubjects[fax.RejectedStream]},
			durable(fax.RawStream, ProcessorDurable),
			manageStreams(r.Streams()...))
	case RoleDownloader:
		p.Publish.Allow = join(
			[]string{fax.StreamSubjects[fax.DocumentsStream]},
			streamInfo(r.Streams()...),
			durable(fax.EventsStream, DownloaderDurable),
			objWrite(fax.DocumentBucket))
	case RoleReconciler:
		p.Publish.Allow = join(
			[]string{fax.StreamSubjects[fax.RawStream]},
			streamInfo(r.Streams()...),
			headerReader(fax.EventsStream),
			kvWrite(ReconcilerStateBucket), kvWrite(ReconcilerLeaseBucket),
			manageStreams(kvStream(ReconcilerStateBucket), kvStream(ReconcilerLeaseBucket)))
		// It reads the published event ids (MsgIDs) through consumers of
		// its own; the downloader's must stay out of its reach.
		p.Publish.Deny = denyDurable(fax.EventsStream, DownloaderDurable)
	case RoleConsumer:
		p.Publish.Allow = join(
			[]string{AuditSubjects},
			streamInfo(r.Streams()...),
			anyConsumer(fax.EventsStream), anyConsumer(fax.DocumentsStream),
			objRead(fax.DocumentBucket))
		// The downloader's durable consumer reads the same stream: another
		// reader must not take, acknowledge or delete its messages.
		p.Publish.Deny = join(
			denyDurable(fax.EventsStream, DownloaderDurable),
			[]string{"$JS.API.STREAM.CREATE.>", "$JS.API.STREAM.UPDATE.>", "$JS.API.STREAM.DELETE.>",
				"$JS.API.STREAM.PURGE.>", "$JS.API.STREAM.MSG.DELETE.>", "$KV.>", "$O.>"})
	case RoleAdmin:
		p.Publish.Allow = []string{">"}
		p.Subscribe.Allow = []string{">"}
		return p
	}
	p.Subscribe.Allow = []string{r.InboxPrefix() + ".>"}
	return p
}

// Server is p as nats-server's permissions of a user.
func (p Permissions) Server() *server.Permissions {
	sp := func(s Subjects) *server.SubjectPermission {
		return &server.SubjectPermission{Allow: slices.Clone(s.Allow), Deny: slices.Clone(s.Deny)}
	}
	return &server.Permissions{Publish: sp(p.Publish), Subscribe: sp(p.Subscribe)}
}

func kvStream(bucket string) string  { return "KV_" + bucket }
func objStream(bucket string) string { return "OBJ_" + bucket }

// api is a JetStream API subject.
func api(format string, args ...any) string { return "$JS.API." + fmt.Sprintf(format, args...) }

// streamInfo looks streams up (their configuration and state, no message).
func streamInfo(streams ...string) []string {
	var out []string
	for _, s := range streams {
		out = append(out, api("STREAM.INFO.%s", s))
	}
	return out
}

// manageStreams creates, updates and looks up streams (Topology.Ensure):
// never deletes or purges them. Creating a bucket asks for the account's
// JetStream limits first ($JS.API.INFO).
func manageStreams(streams ...string) []string {
	out := []string{api("INFO")}
	for _, s := range streams {
		out = append(out, api("STREAM.CREATE.%s", s), api("STREAM.UPDATE.%s", s), api("STREAM.INFO.%s", s))
	}
	return out
}

// durable creates (with or without a filter subject) and pulls from the
// durable consumer name on stream, and acknowledges its messages.
func durable(stream, name string) []string {
	return []string{
		api("CONSUMER.CREATE.%s.%s", stream, name),
		api("CONSUMER.CREATE.%s.%s.>", stream, name),
		api("CONSUMER.DURABLE.CREATE.%s.%s", stream, name),
		api("CONSUMER.INFO.%s.%s", stream, name),
		api("CONSUMER.MSG.NEXT.%s.%s", stream, name),
		fmt.Sprintf("$JS.ACK.%s.%s.>", stream, name),
	}
}

// denyDurable is every operation on the durable consumer name of stream.
func denyDurable(stream, name string) []string {
	return []string{
		api("CONSUMER.*.%s.%s", stream, name),
		api("CONSUMER.*.%s.%s.>", stream, name),
		api("CONSUMER.DURABLE.CREATE.%s.%s", stream, name),
		api("CONSUMER.MSG.NEXT.%s.%s", stream, name),
		fmt.Sprintf("$JS.ACK.%s.%s.>", stream, name),
	}
}

// anyConsumer reads stream through consumers of any name (durable,
// ephemeral, ordered): creating, pulling, acknowledging, deleting them,
// and getting single messages.
func anyConsumer(stream string) []string {
	return []string{
		api("CONSUMER.CREATE.%s.>", stream),
		api("CONSUMER.DURABLE.CREATE.%s.>", stream),
		api("CONSUMER.INFO.%s.>", stream),
		api("CONSUMER.DELETE.%s.>", stream),
		api("CONSUMER.MSG.NEXT.%s.>", stream),
		api("CONSUMER.NAMES.%s", stream),
		api("CONSUMER.LIST.%s", stream),
		api("STREAM.MSG.GET.%s", stream),
		api("DIRECT.GET.%s", stream),
		api("DIRECT.GET.%s.>", stream),
		fmt.Sprintf("$JS.ACK.%s.>", stream),
		fmt.Sprintf("$JS.FC.%s.>", stream), // flow control of ordered push consumers
	}
}

// headerReader reads stream through ephemeral pull consumers it creates,
// pulls from and deletes (MsgIDs): no acknowledgement, no direct get.
func headerReader(stream string) []string {
	return []string{
		api("CONSUMER.CREATE.%s.>", stream),
		api("CONSUMER.MSG.NEXT.%s.>", stream),
		api("CONSUMER.DELETE.%s.>", stream),
	}
}

// kvRead gets keys of a key-value bucket.
func kvRead(bucket string) []string {
	s := kvStream(bucket)
	return []string{api("STREAM.INFO.%s", s), api("STREAM.MSG.GET.%s", s), api("DIRECT.GET.%s", s), api("DIRECT.GET.%s.>", s)}
}

// kvWrite gets, puts and deletes keys of a key-value bucket.
func kvWrite(bucket string) []string {
	return append(kvRead(bucket), "$KV."+bucket+".>")
}

// objRead reads objects of an object store bucket: its meta messages, and
// its chunks through an ordered consumer.
func objRead(bucket string) []string {
	return anyConsumer(objStream(bucket))
}

// objWrite reads, puts and deletes objects of an object store bucket (a
// delete, or a put that replaces an object, purges the old chunks).
func objWrite(bucket string) []string {
	return join(objRead(bucket), []string{"$O." + bucket + ".>", api("STREAM.PURGE.%s", objStream(bucket))})
}

// join concatenates lists, dropping repeats, in first-seen order.
func join(lists ...[]string) []string {
	var out []string
	for _, l := range lists {
		for _, s := range l {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out
}
