package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// pipeline is faxpipe running as separate processes over a nats-server
// process: every part can be killed, paused and restarted on its own.
type pipeline struct {
	t       testing.TB
	dir     string
	config  string // the faxpipe configuration file
	natsURL string
	natsMon string // nats-server's monitoring base URL
	simAPI  string // host:port where the accounts' provider APIs are (the simulator)

	nats       *proc
	ingress    *proc
	processor  *proc
	downloader *proc

	ingressURL string
	admin      map[string]string // service → admin base URL
}

// pipelineOptions shape a pipeline.
type pipelineOptions struct {
	env []string // FAXPIPE_* overrides for every service
}

// startPipeline starts nats-server, then the ingress, processor and
// downloader, and waits until each is ready.
func startPipeline(t testing.TB, o pipelineOptions) *pipeline {
	t.Helper()
	p := &pipeline{t: t, dir: t.TempDir(), admin: map[string]string{}}
	natsPort, monPort := freePort(t), freePort(t)
	p.natsURL = "nats://" + addr(natsPort)
	p.natsMon = "http://" + addr(monPort)
	p.simAPI = addr(freePort(t))
	p.nats = startProc(t, "nats-server", bins.natsServer, nil,
		"-a", "127.0.0.1", "-p", strconv.Itoa(natsPort), "-m", strconv.Itoa(monPort), "-js", "-sd", filepath.Join(p.dir, "nats"),
		"--server_name", "e2e")
	p.waitNATS()
	p.config = filepath.Join(p.dir, "faxpipe.yaml")
	if err := os.WriteFile(p.config, []byte(pipelineConfig(p.natsURL, "http://"+p.simAPI)), 0o600); err != nil {
		t.Fatal(err)
	}
	ingressPort := freePort(t)
	p.ingressURL = "http://" + addr(ingressPort)
	p.ingress = p.startService("ingress", append(o.env, "FAXPIPE_INGRESS_LISTEN="+addr(ingressPort)))
	p.processor = p.startService("processor", o.env)
	p.downloader = p.startService("downloader", o.env)
	return p
}

// startService starts `faxpipe <name>` with its own admin port and waits
// for its /readyz.
func (p *pipeline) startService(name string, env []string) *proc {
	p.t.Helper()
	adminPort := freePort(p.t)
	p.admin[name] = "http://" + addr(adminPort)
	env = append([]string{"FAXPIPE_ADMIN_LISTEN=" + addr(adminPort)}, env...)
	pr := startProc(p.t, name, bins.faxpipe, env, "-config", p.config, name)
	waitHTTP(p.t, p.admin[name]+"/readyz", 30*time.Second, pr)
	return pr
}

// waitNATS waits until nats-server is up with JetStream.
func (p *pipeline) waitNATS() {
	p.t.Helper()
	waitHTTP(p.t, p.natsMon+"/healthz?js-enabled-only=true", 30*time.Second, p.nats)
}

// restartNATS starts the stopped nats-server again and waits for it.
func (p *pipeline) restartNATS() {
	p.t.Helper()
	p.nats.Restart()
	p.waitNATS()
}

// waitReady waits until service answers /readyz with 200.
func (p *pipeline) waitReady(service string, pr *proc) {
	p.t.Helper()
	waitHTTP(p.t, p.admin[service]+"/readyz", 30*time.Second, pr)
}

// pipelineConfig is the configuration of every service of a test pipeline:
// the example configuration's demo accounts, with their provider APIs at
// apiBase (the simulator), and pacing fit for tests.
func pipelineConfig(natsURL, apiBase string) string {
	return fmt.Sprintf(`pipeline:
  key_id: e2e
  key: {value: "e2e-pipeline-key-0123456789abcdef-0123456789"}
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
`, natsURL, apiBase)
}
