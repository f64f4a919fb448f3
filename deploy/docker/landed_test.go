package docker

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/testcontainers/testcontainers-go"

	"github.com/faxpipe/faxpipe/pkg/consumer"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// reader reads what landed in the cluster, through its published port,
// with the downstream consumers' own package (pkg/consumer).
type reader struct{ js jetstream.JetStream }

// newReader connects to the cluster's NATS nodes; the connection closes
// in t.Cleanup. It reaches each node through the port the node publishes
// on loopback when it dials (nodeDialer), and only the nodes by name, never
// the addresses the servers announce (those are on the Docker network).
func (c *cluster) newReader(t *testing.T) reader {
	t.Helper()
	nc := c.connect(t, stream.RoleAdmin)
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		t.Fatalf("jetstream: %v", err)
	}
	conn := &stream.Conn{NC: nc, JS: js}
	t.Cleanup(func() { conn.Close(time.Second) })
	return reader{js: js}
}

// connect connects to the cluster's NATS nodes as role's user.
func (c *cluster) connect(t *testing.T, role stream.Role) *nats.Conn {
	t.Helper()
	urls := make([]string, len(natsNodes))
	for i, name := range natsNodes {
		urls[i] = "nats://" + name + ":4222"
	}
	nc, err := nats.Connect(strings.Join(urls, ","), nats.Name("faxpipe-container-suite"),
		nats.UserInfo("faxpipe-"+string(role), natsPassword(role)),
		nats.SetCustomDialer(nodeDialer(c.nodes)), nats.SkipHostLookup(), nats.IgnoreDiscoveredServers(),
		nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond))
	if err != nil {
		t.Fatalf("connect to %v as %s: %v", natsNodes, role, err)
	}
	return nc
}

// nodeDialer dials NATS nodes (name:port) at the client port they publish
// on loopback now: a restarted node publishes a new one.
type nodeDialer map[string]testcontainers.Container

// Dial implements nats.CustomDialer, within 5 s.
func (d nodeDialer) Dial(network, address string) (net.Conn, error) {
	name, _, err := net.SplitHostPort(address)
	if err != nil {
		return nil, err
	}
	node, ok := d[name]
	if !ok {
		return nil, fmt.Errorf("no NATS node %q", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	hp, err := node.PortEndpoint(ctx, "4222/tcp", "")
	if err != nil {
		return nil, fmt.Errorf("%s's published client port: %w", name, err)
	}
	var dialer net.Dialer
	return dialer.DialContext(ctx, network, hp)
}

// streamLeader is the name of the node leading stream name, once it has
// one (an election may be under way).
func (r reader) streamLeader(ctx context.Context, t *testing.T, name string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 45*time.Second)
	defer cancel()
	read := func(ctx context.Context) (*jetstream.StreamInfo, error) { return r.streamInfo(ctx, name) }
	info := waitFor(ctx, t, name+"'s leader", read, func(info *jetstream.StreamInfo) bool {
		return info.Cluster != nil && info.Cluster.Leader != ""
	})
	return info.Cluster.Leader
}

// streamInfo is the current state of stream name.
func (r reader) streamInfo(ctx context.Context, name string) (*jetstream.StreamInfo, error) {
	s, err := r.js.Stream(ctx, name)
	if err != nil {
		return nil, err
	}
	return s.Info(ctx)
}

// events reads every event of FAXPIPE_EVENTS.
func (r reader) events(ctx context.Context) ([]consumer.Message[fax.Event], error) {
	return readAll[fax.Event](ctx, r.js, fax.EventsStream)
}

// eventCount is how many events FAXPIPE_EVENTS holds now.
func (r reader) eventCount(ctx context.Context, t *testing.T) int {
	t.Helper()
	es, err := r.events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// documents reads every announcement of FAXPIPE_DOCUMENTS.
func (r reader) documents(ctx context.Context) ([]consumer.Message[fax.DocumentAnnouncement], error) {
	return readAll[fax.DocumentAnnouncement](ctx, r.js, fax.DocumentsStream)
}

func readAll[T any](ctx context.Context, js jetstream.JetStream, name string) ([]consumer.Message[T], error) {
	var out []consumer.Message[T]
	err := consumer.History{Stream: name}.Scan(ctx, js, func(m jetstream.Msg) error {
		msg, err := consumer.Decode[T](m)
		out = append(out, msg)
		return err
	})
	return out, err
}

// storedSHA256 is the SHA-256 of the bytes stored for d, read back from the
// object store (which checks them against their digest as they are read).
func (r reader) storedSHA256(ctx context.Context, d fax.DocumentAnnouncement) (string, error) {
	rc, err := consumer.OpenDocument(ctx, r.js, d)
	if err != nil {
		return "", err
	}
	defer func() { _ = rc.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// objectChunks describes how d's object is stored, for a document whose
// bytes do not read back: its info (chunks, size, digest) against the chunk
// messages the bucket's stream holds under its NUID (count, bytes, the
// SHA-256 of their concatenation in stream order, their sequences).
func (r reader) objectChunks(ctx context.Context, d fax.DocumentAnnouncement) string {
	bucket := cmp.Or(d.Bucket, fax.DocumentBucket)
	obs, err := r.js.ObjectStore(ctx, bucket)
	if err != nil {
		return err.Error()
	}
	info, err := obs.GetInfo(ctx, d.Object)
	if err != nil {
		return err.Error()
	}
	c, err := r.js.OrderedConsumer(ctx, "OBJ_"+bucket, jetstream.OrderedConsumerConfig{
		FilterSubjects: []string{"$O." + bucket + ".C." + info.NUID}})
	if err != nil {
		return err.Error()
	}
	h, n, size, seqs := sha256.New(), 0, 0, []uint64{}
	for {
		m, err := c.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			break
		}
		if md, err := m.Metadata(); err == nil {
			seqs = append(seqs, md.Sequence.Stream)
		}
		h.Write(m.Data())
		n, size = n+1, size+len(m.Data())
	}
	return fmt.Sprintf("info: %d chunks, %d bytes, digest %s; stream: %d chunks, %d bytes, sha256 %s, seqs %v",
		info.Chunks, info.Size, info.Digest, n, size, hex.EncodeToString(h.Sum(nil)), seqs)
}

// waitFor polls read until done accepts what it read, or fails t when ctx
// ends first.
func waitFor[T any](ctx context.Context, t *testing.T, what string, read func(context.Context) (T, error), done func(T) bool) T {
	t.Helper()
	v, err := poll(ctx, read, done)
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return v
}

// poll calls read every half second until done accepts what it read; when
// ctx ends first, it returns the last value read and ctx's error. Each read
// has 15 s: a request lost in a failover is sent again.
func poll[T any](ctx context.Context, read func(context.Context) (T, error), done func(T) bool) (T, error) {
	var last T
	for {
		readCtx, cancel := context.WithTimeout(ctx, 15*time.Second)
		v, err := read(readCtx)
		cancel()
		if err == nil {
			if last = v; done(v) {
				return v, nil
			}
		}
		select {
		case <-ctx.Done():
			if err != nil {
				return last, fmt.Errorf("%w (last read error: %w)", ctx.Err(), err)
			}
			return last, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}
