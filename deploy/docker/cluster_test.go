package docker

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tcnetwork "github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/faxpipe/faxpipe/pkg/stream"
)

// The suite's containers use the local cluster's own configuration files:
// the same NATS node configuration and the same faxpipe configuration (R3
// streams on nats-1..3, the accounts' document API at http://sim:9601).
const (
	natsConfig = "deploy/nats/cluster.conf"
	// natsUsers is faxpipe's NATS users, each with its role's permissions,
	// which natsConfig includes from beside it.
	natsUsers     = "deploy/nats/permissions.conf"
	faxpipeConfig = "deploy/compose/faxpipe.yaml"
	// inContainer is where faxpipeConfig is mounted.
	inContainer = "/etc/faxpipe/faxpipe.yaml"
)

// cluster is a running faxpipe on a 3-node NATS cluster, as containers, on
// two networks: the public one, where the providers (the simulator) reach
// the ingress, and the cluster network of the services and the NATS nodes. The
// ingress is on both, so it can be cut off from the cluster alone.
type cluster struct {
	images     images
	publicNet  string
	clusterNet string
	nodes      map[string]testcontainers.Container // by name, nats-1..3
	services   map[string]testcontainers.Container // by name: processor, ingress, downloader, reconciler
	ingressC   testcontainers.Container
	ingress    string // the public callback base URL, published on loopback
	admin      map[string]string
	config     string // faxpipeConfig's absolute path
}

// jetStreamKey encrypts the nodes' stores (cluster.conf reads it from the
// environment, as deploy/compose/docker-compose.yaml sets it).
const jetStreamKey = "container-suite-jetstream-key-0123456789abcdef"

// natsPassword is the password of the NATS user of role in the suite's
// cluster: the nodes have every role's (natsNode), each service its own
// (service), the suite's reader the admin's (newReader).
func natsPassword(role stream.Role) string {
	return "container-suite-nats-" + string(role) + "-password"
}

// natsNodes are the NATS nodes' names, as the configuration's routes say.
var natsNodes = []string{"nats-1", "nats-2", "nats-3"}

// startCluster starts the NATS cluster, the simulator's providers' APIs,
// and the four services, each as its own NATS user and waited for until
// ready: the local cluster's shape.
func startCluster(ctx context.Context, t *testing.T, img images) *cluster {
	t.Helper()
	c := &cluster{images: img, nodes: map[string]testcontainers.Container{}, services: map[string]testcontainers.Container{}, admin: map[string]string{}, config: repoFile(t, faxpipeConfig)}
	c.publicNet, c.clusterNet = networks(ctx, t)
	for _, name := range natsNodes {
		c.nodes[name] = c.natsNode(t, name).start(ctx, t, c.clusterNet)
	}
	c.service("sim", "sim", "-serve-only", "-api-listen", ":9601").start(ctx, t, c.clusterNet)
	// The processor first: it owns the topology. The other services' users
	// may not create the pipeline's streams: started first, each would
	// wait, unready, until the processor did.
	for _, name := range []string{"processor", "ingress", "downloader", "reconciler"} {
		s := c.service(name, name)
		s.wait = wait.ForHTTP("/readyz").WithPort("9090/tcp").WithStartupTimeout(90 * time.Second)
		nets := []string{c.clusterNet}
		if name == "ingress" {
			nets = []string{c.publicNet, c.clusterNet}
		}
		ctr := s.start(ctx, t, nets...)
		c.services[name] = ctr
		c.admin[name] = "http://" + endpoint(ctx, t, ctr, "9090/tcp")
		if name == "ingress" {
			c.ingressC, c.ingress = ctr, "http://"+endpoint(ctx, t, ctr, "8080/tcp")
		}
	}
	return c
}

// networks creates the public and the cluster network. Docker publishes a
// container's ports through its gateway network, the first of its
// (non-internal) networks by name: the public network is the one whose
// random name sorts first, so the ingress's published ports stay as they are
// while it is cut off from the cluster network and joins it again.
func networks(ctx context.Context, t *testing.T) (publicNet, clusterNet string) {
	t.Helper()
	var names []string
	for range 2 {
		n, err := tcnetwork.New(ctx, tcnetwork.WithLabels(suiteLabels()))
		testcontainers.CleanupNetwork(t, n)
		if err != nil {
			t.Fatalf("network: %v", err)
		}
		names = append(names, n.Name)
	}
	slices.Sort(names)
	return names[0], names[1]
}

// natsNode is one node of the NATS cluster, its JetStream store on a volume
// of its own (the image's /data, owned by its user), as in the local
// cluster: a node killed and started again has what it had stored.
func (c *cluster) natsNode(t *testing.T, name string) spec {
	env := map[string]string{"NATS_SERVER_NAME": name, "NATS_JETSTREAM_KEY": jetStreamKey}
	for _, r := range stream.Roles {
		env["FAXPIPE_NATS_"+strings.ToUpper(string(r))+"_PASSWORD"] = natsPassword(r)
	}
	return spec{
		alias:   name,
		image:   c.images.nats,
		cmd:     []string{"-c", "/etc/nats/cluster.conf"},
		env:     env,
		ports:   []string{"4222/tcp", "8222/tcp"},
		binds:   []string{repoFile(t, natsConfig) + ":/etc/nats/cluster.conf:ro", repoFile(t, natsUsers) + ":/etc/nats/permissions.conf:ro"},
		volumes: []string{"/data"},
		wait:    wait.ForHTTP("/healthz?js-enabled-only=true").WithPort("8222/tcp").WithStartupTimeout(30 * time.Second),
	}
}

// service is `faxpipe -config faxpipeConfig ARGS...` named alias. A
// service whose alias is a role connects to NATS as that role's user, as
// in the local cluster (deploy/compose/docker-compose.yaml); the others
// (the simulator) do not connect.
func (c *cluster) service(alias string, args ...string) spec {
	s := spec{
		alias: alias,
		image: c.images.faxpipe,
		cmd:   append([]string{"-config", inContainer}, args...),
		ports: []string{"8080/tcp", "9090/tcp"},
		binds: []string{c.config + ":" + inContainer + ":ro"},
	}
	if r := stream.Role(alias); slices.Contains(stream.Roles, r) {
		s.env = map[string]string{"FAXPIPE_NATS_USER": "faxpipe-" + alias, "NATS_PASSWORD": natsPassword(r)}
	}
	return s
}
