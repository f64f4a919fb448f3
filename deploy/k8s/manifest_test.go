package k8s

import (
	"path"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// commands are the services, one Deployment each, from one image.
var commands = []string{"downloader", "ingress", "processor", "reconciler"}

// providerAPIClients are the services that call the providers' APIs: the
// downloader (documents) and the reconciler (listings of received faxes).
var providerAPIClients = []string{"downloader", "reconciler"}

// TestOverlays renders every overlay and checks what must agree.
func TestOverlays(t *testing.T) {
	checks := []struct {
		name  string
		check func(*testing.T, *manifests)
	}{
		{"one Deployment per service, one image", checkWorkloads},
		{"configuration loads for every service, on the NATS cluster", checkConfig},
		{"each Deployment mounts only its own Secrets", checkOwnSecretsOnly},
		{"each Deployment mounts the secrets its service uses, and no other", checkSecretsMountedAreUsed},
		{"every file the configuration names is mounted", checkFilesMounted},
		{"ports and probes are the binary's", checkPortsAndProbes},
		{"no workload runs as root or can escalate", checkHardened},
		{"every workload has resources", checkResources},
		{"grace periods outlast the drain", checkGrace},
		{"the Service targets the ingress port", checkService},
		{"the Ingress publishes only callbacks, over TLS", checkIngress},
		{"autoscaler and disruption budgets", checkScaling},
		{"network policies", checkNetworkPolicies},
		{"NATS is reached only by its clients, peers and monitoring", checkNATSPolicy},
		{"the callbacks' query strings stay out of the access log", checkAccessLog},
	}
	for _, overlay := range []string{"dev", "prod"} {
		t.Run(overlay, func(t *testing.T) {
			m := render(t, path.Join("overlays", overlay))
			for _, c := range checks {
				t.Run(c.name, func(t *testing.T) { c.check(t, m) })
			}
		})
	}
}

// deployment is the Deployment running cmd.
func (m *manifests) deployment(t *testing.T, cmd string) *appsv1.Deployment {
	t.Helper()
	for _, d := range m.deployments {
		if c, _ := command(t, d); c == cmd {
			return d
		}
	}
	t.Fatalf("no Deployment runs faxpipe %s", cmd)
	return nil
}

func checkWorkloads(t *testing.T, m *manifests) {
	var got []string
	images := map[string]bool{}
	for _, d := range m.deployments {
		cmd, _ := command(t, d)
		got = append(got, cmd)
		images[container(t, d).Image] = true
	}
	slices.Sort(got)
	if !slices.Equal(got, commands) {
		t.Errorf("Deployments run %q, want %q", got, commands)
	}
	if len(images) != 1 || images[""] {
		t.Errorf("images %v, want one, the same for every workload", images)
	}
}

func checkConfig(t *testing.T, m *manifests) {
	for _, cmd := range commands {
		d := m.deployment(t, cmd)
		cfg := loadConfig(t, m, d)
		if got := natsHosts(cfg.NATS.URL); !slices.Equal(got, []string{"nats"}) {
			t.Errorf("%s: nats.url %q, want the NATS release's Service nats", cmd, cfg.NATS.URL)
		}
		if cfg.Streams.Replicas != 3 {
			t.Errorf("%s: streams.replicas %d, want 3 on the 3-node cluster", cmd, cfg.Streams.Replicas)
		}
	}
}

func checkPortsAndProbes(t *testing.T, m *manifests) {
	for _, cmd := range commands {
		d := m.deployment(t, cmd)
		c, cfg := container(t, d), loadConfig(t, m, d)
		want := map[string]int32{"admin": listenPort(t, cfg.Admin.Listen)}
		if cmd == "ingress" {
			want["http"] = listenPort(t, cfg.Ingress.Listen)
		}
		got := map[string]int32{}
		for _, p := range c.Ports {
			got[p.Name] = p.ContainerPort
		}
		if !mapsEqual(got, want) {
			t.Errorf("%s: container ports %v, want %v (what faxpipe %s listens on)", cmd, got, want, cmd)
		}
		checkProbe(t, cmd+" liveness", c, c.LivenessProbe, "/healthz", want["admin"])
		checkProbe(t, cmd+" readiness", c, c.ReadinessProbe, "/readyz", want["admin"])
	}
}

func checkProbe(t *testing.T, name string, c *corev1.Container, p *corev1.Probe, path string, port int32) {
	t.Helper()
	if p == nil || p.HTTPGet == nil {
		t.Errorf("%s probe: missing, want GET %s on port %d", name, path, port)
		return
	}
	if got := resolvePort(c, p.HTTPGet.Port); p.HTTPGet.Path != path || got != port {
		t.Errorf("%s probe: GET %s on port %d, want %s on %d", name, p.HTTPGet.Path, got, path, port)
	}
}

// resolvePort is the container port a probe or Service port names.
func resolvePort(c *corev1.Container, p intstr.IntOrString) int32 {
	if p.Type == intstr.Int {
		return p.IntVal
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return cp.ContainerPort
		}
	}
	return 0
}

func checkGrace(t *testing.T, m *manifests) {
	d := m.deployment(t, "ingress")
	cfg := loadConfig(t, m, d)
	var preStop time.Duration
	if lc := container(t, d).Lifecycle; lc != nil && lc.PreStop != nil && lc.PreStop.Sleep != nil {
		preStop = time.Duration(lc.PreStop.Sleep.Seconds) * time.Second
	}
	// After the drain, the process closes its NATS connection (up to 5 s).
	need := preStop + cfg.Ingress.ShutdownTimeout + 5*time.Second
	for _, cmd := range commands {
		g := m.deployment(t, cmd).Spec.Template.Spec.TerminationGracePeriodSeconds
		if g == nil {
			t.Errorf("%s: no terminationGracePeriodSeconds", cmd)
			continue
		}
		if got := time.Duration(*g) * time.Second; cmd == "ingress" && got <= need {
			t.Errorf("ingress: grace period %s, want more than preStop %s + shutdown_timeout %s + 5s", got, preStop, cfg.Ingress.ShutdownTimeout)
		}
	}
	// On SIGTERM the reconciler deletes its leases, waiting up to a third of
	// lease_ttl (pkg/reconciler/lease.go), so that the other replica takes
	// its accounts at once; then it closes its NATS connection (up to 5 s).
	r := m.deployment(t, "reconciler")
	rcfg := loadConfig(t, m, r)
	if g := r.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		if got, need := time.Duration(*g)*time.Second, rcfg.Reconciler.LeaseTTL/3+5*time.Second; got <= need {
			t.Errorf("reconciler: grace period %s, want more than lease_ttl/3 + 5s = %s", got, need)
		}
	}
}

func mapsEqual[K comparable, V comparable](a, b map[K]V) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
