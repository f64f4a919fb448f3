package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/provider/telnyx/telnyxsim"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// pipeline is faxpipe running as separate processes over a nats-server
// process: every part can be killed, paused and restarted on its own.
type pipeline struct {
	t       testing.TB
	dir     string
	config  string     // the faxpipe configuration file
	natsURL string     // every server's client URL, comma-separated
	servers []natsNode // one, or three in a cluster
	simAPI  string     // host:port where the accounts' provider APIs are (the simulator)

	nats       *proc // servers[0]
	ingress    *proc
	processor  *proc
	downloader *proc
	reconciler *proc // with pipelineOptions.reconciler

	ingressURL string
	admin      map[string]string // service → admin base URL
}

// pipelineOptions shape a pipeline.
type pipelineOptions struct {
	env     []string // FAXPIPE_* overrides for every service
	cluster bool     // three clustered nats-servers and R3 streams, instead of one server
	// reconciler starts the reconciler too, listing the simulator's API
	// every second.
	reconciler bool
}

// natsNode is one nats-server of a pipeline.
type natsNode struct {
	*proc
	name, url, mon string
}

// startPipeline starts nats-server, then the ingress, processor and
// downloader, and waits until each is ready.
func startPipeline(t testing.TB, o pipelineOptions) *pipeline {
	t.Helper()
	p := &pipeline{t: t, dir: t.TempDir(), admin: map[string]string{}}
	p.simAPI = addr(streamtest.FreePort(t))
	p.startNATS(o.cluster)
	if o.cluster {
		o.env = append(o.env, "FAXPIPE_STREAMS_REPLICAS=3")
	}
	p.config = filepath.Join(p.dir, "faxpipe.yaml")
	if err := os.WriteFile(p.config, []byte(pipelineConfig(p.natsURL, "http://"+p.simAPI)), 0o600); err != nil {
		t.Fatal(err)
	}
	ingressPort := streamtest.FreePort(t)
	p.ingressURL = "http://" + addr(ingressPort)
	p.ingress = p.startService("ingress", append(o.env, "FAXPIPE_INGRESS_LISTEN="+addr(ingressPort)))
	p.processor = p.startService("processor", o.env)
	p.downloader = p.startService("downloader", o.env)
	if o.reconciler {
		p.reconciler = p.startService("reconciler", o.env)
	}
	return p
}

// startService starts `faxpipe <name>` with its own admin port and waits
// for its /readyz. Another replica of a service already started has its
// admin URL under name#2, name#3…
func (p *pipeline) startService(name string, env []string) *proc {
	p.t.Helper()
	adminPort := streamtest.FreePort(p.t)
	key := name
	for i := 2; p.admin[key] != ""; i++ {
		key = fmt.Sprintf("%s#%d", name, i)
	}
	p.admin[key] = "http://" + addr(adminPort)
	env = append([]string{"FAXPIPE_ADMIN_LISTEN=" + addr(adminPort)}, env...)
	pr := startProc(p.t, key, bins.faxpipe, env, "-config", p.config, name)
	waitHTTP(p.t, p.admin[key]+"/readyz", 30*time.Second, pr)
	return pr
}

// startNATS starts one nats-server, or three routed into one JetStream
// cluster, and waits until they are healthy.
func (p *pipeline) startNATS(cluster bool) {
	p.t.Helper()
	n := 1
	if cluster {
		n = 3
	}
	routes := make([]string, n)
	clusterPorts := make([]int, n)
	for i := range n {
		clusterPorts[i] = streamtest.FreePort(p.t)
		routes[i] = "nats://" + addr(clusterPorts[i])
	}
	urls := make([]string, n)
	for i := range n {
		port, mon := streamtest.FreePort(p.t), streamtest.FreePort(p.t)
		name := fmt.Sprintf("n%d", i+1)
		args := []string{"-a", "127.0.0.1", "-p", strconv.Itoa(port), "-m", strconv.Itoa(mon),
			"-js", "-sd", filepath.Join(p.dir, "nats-"+name), "--server_name", name}
		if cluster {
			args = append(args, "--cluster_name", "faxpipe", "-cluster", routes[i], "-routes", strings.Join(routes, ","))
		}
		node := natsNode{proc: startProc(p.t, "nats-server "+name, bins.natsServer, nil, args...),
			name: name, url: "nats://" + addr(port), mon: "http://" + addr(mon)}
		p.servers = append(p.servers, node)
		urls[i] = node.url
	}
	for _, s := range p.servers {
		p.waitNATS(s)
	}
	p.nats, p.natsURL = p.servers[0].proc, strings.Join(urls, ",")
}

// waitNATS waits until s is healthy: up with JetStream, and in a cluster
// current with its peers.
func (p *pipeline) waitNATS(s natsNode) {
	p.t.Helper()
	waitHTTP(p.t, s.mon+"/healthz", 60*time.Second, s.proc)
}

// waitReady waits until service answers /readyz with 200.
func (p *pipeline) waitReady(service string, pr *proc) {
	p.t.Helper()
	waitHTTP(p.t, p.admin[service]+"/readyz", 30*time.Second, pr)
}

// pipelineConfig is the configuration of every service of a test pipeline:
// the example configuration's demo accounts, with their provider APIs at
// apiBase (the simulator), and pacing fit for tests.
// e2ePipelineKey is the pipeline key of every test pipeline.
const e2ePipelineKey = "e2e-pipeline-key-0123456789abcdef-0123456789"

func pipelineConfig(natsURL, apiBase string) string {
	return fmt.Sprintf(`pipeline:
  key_id: e2e
  key: {value: %[4]q}
nats:
  url: %[1]q
  reconnect_wait: 250ms
streams:
  replicas: 1
ingress:
  listen: "127.0.0.1:0"
  publish_timeout: 2s
  retry_after: 1s
  shutdown_timeout: 10s
  rate_limit: {account_rps: 5000, account_burst: 5000, client_rps: 5000, client_burst: 5000}
processor:
  ack_wait: 15s
  retry_delay: 200ms
downloader:
  allow_private_networks: true
  request_timeout: 5s
  stall_timeout: 1s
  not_found_grace: 30s
  retry_budget: 20s
  max_backoff: 1s
  max_deliver: 20
reconciler:
  interval: 1s
  settle: 0s
  overlap: 1m
  catch_up: 1h
  chunk: 10m
  lease_ttl: 3s
  memory: 2h
  request_timeout: 3s
  initial_backoff: 100ms
  max_backoff: 1s
log:
  level: info
  format: json
accounts:
  sfax:
    - id: demo
      username: demo
      api_key: {value: "5787A4EDBCDE46F9D6D2E067AC7097DC"}
      encryption_key: {value: "0123456789abcdef0123456789abcdef"}
      init_vector: {value: "fedcba9876543210"}
      token_window: 15m
      api_base_url: %[2]s
  gofax:
    - id: demo
      basic_auth:
        username: gofax
        password: {value: "demo-gofax-password"}
      url_secret:
        param: secret
        value: {value: "demo-url-secret"}
      api_token: {value: "demo-gofax-api-token"}
      api_base_url: %[2]s
  efax:
    - id: demo
      app_id: d580162d-d162-4353-bd55-c2044ab20711
      api_key: {value: "demo-efax-api-key"}
      hmac_secret: {value: "demo-efax-hmac-secret"}
      api_base_url: %[2]s
  telnyx:
    - id: demo
      public_key: %[3]q
      api_key: {value: "demo-telnyx-api-key"}
      api_base_url: %[2]s
      media_base_urls: [%[2]s]
`, natsURL, apiBase, telnyxsim.DemoPublicKey, e2ePipelineKey)
}
