package docker

import (
	"context"
	"os/exec"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

// imagesRunAsNonRoot: both images name a numeric, non-root user (Kubernetes'
// runAsNonRoot needs a number to check).
func imagesRunAsNonRoot(ctx context.Context, t *testing.T, img images) {
	for _, ref := range []string{img.faxpipe, img.nats} {
		out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Config.User}}", ref).CombinedOutput()
		if err != nil {
			t.Fatalf("inspect %s: %v\n%s", ref, err, out)
		}
		if user := strings.TrimSpace(string(out)); user != "65532:65532" {
			t.Errorf("%s runs as %q, want 65532:65532", ref, user)
		}
	}
}

// streamsReplicated: every stream and bucket faxpipe created has 3
// replicas, all current, on the cluster's three nodes.
func streamsReplicated(ctx context.Context, t *testing.T, c *cluster) {
	r := newReader(t, c.natsURL)
	names := []string{stream.RawStream, stream.EventsStream, stream.DocumentsStream, stream.RejectedStream,
		"KV_" + stream.DedupeBucket, "OBJ_" + stream.DocumentBucket}
	for _, name := range names {
		s, err := r.js.Stream(ctx, name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		info, err := s.Info(ctx)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		nodes := map[string]bool{info.Cluster.Leader: true}
		for _, p := range info.Cluster.Replicas {
			nodes[p.Name] = p.Current
		}
		if info.Config.Replicas != 3 || len(nodes) != 3 || !nodes["nats-1"] || !nodes["nats-2"] || !nodes["nats-3"] {
			t.Errorf("%s: %d replicas on %v (true: current), want 3, current, on nats-1..3", name, info.Config.Replicas, nodes)
		}
	}
}
