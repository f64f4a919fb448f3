package docker

import (
	"context"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// imagesRunAsNonRoot: both images name a numeric, non-root user (Kubernetes'
// runAsNonRoot needs a number to check).
func imagesRunAsNonRoot(ctx context.Context, t *testing.T, img images) {
	for _, ref := range []string{img.faxpipe, img.nats} {
		user, err := dockerCLI(ctx, "image", "inspect", "--format", "{{.Config.User}}", ref)
		if err != nil {
			t.Fatal(err)
		}
		if user != "65532:65532" {
			t.Errorf("%s runs as %q, want 65532:65532", ref, user)
		}
	}
}

// streamsReplicated: every stream and bucket faxpipe created has 3
// replicas, all current, on the cluster's three nodes.
func streamsReplicated(ctx context.Context, t *testing.T, c *cluster) {
	r := c.newReader(t)
	names := []string{fax.RawStream, fax.EventsStream, fax.DocumentsStream, fax.RejectedStream,
		"OBJ_" + fax.DocumentBucket}
	for _, name := range names {
		info, err := r.streamInfo(ctx, name)
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
