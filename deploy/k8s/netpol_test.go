package k8s

import (
	"maps"
	"os"
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

// checkNetworkPolicies: every pod is denied by default; only the ingress's
// public port admits traffic beyond the admin port; only the provider API
// clients (downloader, reconciler) leave the cluster, both of them (HTTPS);
// every service reaches NATS and DNS.
func checkNetworkPolicies(t *testing.T, m *manifests) {
	denied := map[string]bool{}
	for _, p := range m.networkPolicies {
		if len(p.Spec.Ingress) == 0 && len(p.Spec.Egress) == 0 && len(p.Spec.PolicyTypes) == 2 {
			for _, cmd := range m.selected(t, &p.Spec.PodSelector) {
				denied[cmd] = true
			}
		}
	}
	for _, cmd := range commands {
		if !denied[cmd] {
			t.Errorf("%s: no default-deny policy selects its pods", cmd)
		}
	}
	for _, p := range m.networkPolicies {
		if len(m.selected(t, &p.Spec.PodSelector)) == 0 && selectsNATS(t, &p.Spec.PodSelector) {
			continue // checkNATSPolicy's
		}
		checkPolicyPorts(t, m, p)
	}
	for _, port := range []int{4222, 53} {
		if got := m.egressTo(t, port); !slices.Equal(got, commands) {
			t.Errorf("egress to port %d allowed for %q, want %q", port, got, commands)
		}
	}
	if got := m.egressTo(t, 443); !slices.Equal(got, providerAPIClients) {
		t.Errorf("egress to port 443 allowed for %q, want %q (the providers' APIs)", got, providerAPIClients)
	}
}

// checkPolicyPorts: a policy admitting any port but the admin port selects
// the ingress only; one letting traffic out on 443 selects provider API
// clients only.
func checkPolicyPorts(t *testing.T, m *manifests, p *networkingv1.NetworkPolicy) {
	selected := m.selected(t, &p.Spec.PodSelector)
	for _, rule := range p.Spec.Ingress {
		for _, port := range rule.Ports {
			if (port.Port == nil || *port.Port != intstr.FromString("admin")) && !slices.Equal(selected, []string{"ingress"}) {
				t.Errorf("policy %s admits port %v to %q, want to the ingress only", p.Name, port.Port, selected)
			}
		}
	}
	for _, rule := range p.Spec.Egress {
		for _, port := range rule.Ports {
			if port.Port != nil && port.Port.IntValue() == 443 && !subset(selected, providerAPIClients) {
				t.Errorf("policy %s lets %q out on 443, want only some of %q", p.Name, selected, providerAPIClients)
			}
		}
	}
}

// egressTo is the commands some policy lets out to port.
func (m *manifests) egressTo(t *testing.T, port int) []string {
	var out []string
	for _, cmd := range commands {
		d := m.deployment(t, cmd)
		for _, p := range m.networkPolicies {
			if selects(t, &p.Spec.PodSelector, d) && allowsEgress(p, port) && !slices.Contains(out, cmd) {
				out = append(out, cmd)
			}
		}
	}
	return out
}

func allowsEgress(p *networkingv1.NetworkPolicy, port int) bool {
	for _, rule := range p.Spec.Egress {
		for _, rp := range rule.Ports {
			if rp.Port != nil && rp.Port.IntValue() == port {
				return true
			}
		}
	}
	return false
}

// subset reports whether every element of a is in b; an empty a is not
// (a policy selecting nothing is a mistake too).
func subset(a, b []string) bool {
	if len(a) == 0 {
		return false
	}
	for _, v := range a {
		if !slices.Contains(b, v) {
			return false
		}
	}
	return true
}

// natsPodLabels are the labels the official NATS chart (nats-io/k8s, v1.x,
// its nats.selectorLabels) puts on the server pods of the release `nats`.
var natsPodLabels = labels.Set{
	"app.kubernetes.io/name":      "nats",
	"app.kubernetes.io/instance":  "nats",
	"app.kubernetes.io/component": "nats",
}

// natsValues are the ports the NATS release opens, from deploy/nats/values.yaml
// (the chart's defaults where it leaves them out).
type natsValues struct {
	clientPort, routePort, monitorPort, exporterPort int // 0: not opened
}

func loadNATSValues(t *testing.T) natsValues {
	t.Helper()
	b, err := os.ReadFile("../nats/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Config struct {
			Cluster struct{ Enabled bool }
			Monitor struct {
				Enabled *bool
				Port    int
			}
		}
		PromExporter struct {
			Enabled bool
			Port    int
		} `json:"promExporter"`
	}
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatalf("deploy/nats/values.yaml: %v", err)
	}
	nv := natsValues{clientPort: 4222}
	if v.Config.Cluster.Enabled {
		nv.routePort = 6222
	}
	if v.Config.Monitor.Enabled == nil || *v.Config.Monitor.Enabled { // the chart's default: on
		nv.monitorPort = orDefault(v.Config.Monitor.Port, 8222)
	}
	if v.PromExporter.Enabled {
		nv.exporterPort = orDefault(v.PromExporter.Port, 7777)
	}
	return nv
}

// orDefault is v, or def if v is zero.
func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// selectsNATS reports whether sel selects the NATS server pods.
func selectsNATS(t *testing.T, sel *metav1.LabelSelector) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return !s.Empty() && s.Matches(natsPodLabels)
}

// monitoringNamespaces are the namespace selectors faxpipe's admin ports
// (metrics) are open to: the monitoring namespace, as the policies name it.
func (m *manifests) monitoringNamespaces(t *testing.T) []map[string]string {
	var out []map[string]string
	for _, p := range m.networkPolicies {
		if len(m.selected(t, &p.Spec.PodSelector)) == 0 {
			continue
		}
		for _, rule := range p.Spec.Ingress {
			for _, port := range rule.Ports {
				if port.Port == nil || *port.Port != intstr.FromString("admin") {
					continue
				}
				for _, peer := range rule.From {
					if ns := peer.NamespaceSelector; ns != nil && len(ns.MatchLabels) > 0 && len(ns.MatchExpressions) == 0 {
						out = append(out, ns.MatchLabels)
					}
				}
			}
		}
	}
	if len(out) == 0 {
		t.Fatal("no policy opens faxpipe's admin port to a monitoring namespace")
	}
	return out
}

// peerKind classifies a source of traffic to the NATS pods.
type peerKind int

const (
	peerOther      peerKind = iota // anything else: other pods, namespaces, addresses
	peerNATS                       // the NATS server pods, in their namespace
	peerFaxpipe                    // faxpipe's pods (some of them), in its namespace
	peerMonitoring                 // the monitoring namespace
)

func (m *manifests) classify(t *testing.T, peer networkingv1.NetworkPolicyPeer, monitoring []map[string]string) (peerKind, []string) {
	switch {
	case peer.IPBlock != nil:
		return peerOther, nil
	case peer.NamespaceSelector != nil:
		ns := peer.NamespaceSelector
		for _, mon := range monitoring {
			if len(ns.MatchExpressions) == 0 && maps.Equal(ns.MatchLabels, mon) {
				return peerMonitoring, nil
			}
		}
		return peerOther, nil
	case peer.PodSelector != nil:
		if cmds := m.selected(t, peer.PodSelector); len(cmds) > 0 {
			return peerFaxpipe, cmds
		}
		if selectsNATS(t, peer.PodSelector) {
			return peerNATS, nil
		}
	}
	return peerOther, nil
}

// checkNATSPolicy: some policy restricts what reaches the NATS server pods,
// and the policies selecting them admit the client port from faxpipe's
// pods, the routes between the servers, and the monitoring port (and the
// exporter's) only from the servers themselves and the monitoring namespace
// — not from faxpipe's pods, not from everywhere.
func checkNATSPolicy(t *testing.T, m *manifests) {
	nv := loadNATSValues(t)
	monitoring := m.monitoringNamespaces(t)
	restricted := false
	// allowed[port][kind]: some rule admits port from kind; clients: the
	// faxpipe commands admitted on the client port.
	allowed := map[int]map[peerKind]bool{}
	var clients []string
	for _, p := range m.networkPolicies {
		if !selectsNATS(t, &p.Spec.PodSelector) {
			continue
		}
		if slices.Contains(p.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
			restricted = true
		}
		for _, rule := range p.Spec.Ingress {
			if len(rule.From) == 0 {
				t.Errorf("policy %s admits %v to the NATS pods from everywhere", p.Name, ports(rule))
				continue
			}
			if len(rule.Ports) == 0 {
				t.Errorf("policy %s admits every port of the NATS pods, want only named ports", p.Name)
				continue
			}
			for _, peer := range rule.From {
				kind, cmds := m.classify(t, peer, monitoring)
				for _, port := range ports(rule) {
					if allowed[port] == nil {
						allowed[port] = map[peerKind]bool{}
					}
					allowed[port][kind] = true
					if port == nv.clientPort && kind == peerFaxpipe {
						clients = append(clients, cmds...)
					}
				}
			}
		}
	}
	if !restricted {
		t.Fatal("no NetworkPolicy restricts traffic into the NATS server pods")
	}
	slices.Sort(clients)
	if clients = slices.Compact(clients); !slices.Equal(clients, commands) {
		t.Errorf("NATS client port %d admits %q, want %q", nv.clientPort, clients, commands)
	}
	want := map[int][]peerKind{nv.clientPort: {peerFaxpipe}}
	if nv.routePort != 0 {
		want[nv.routePort] = []peerKind{peerNATS}
	}
	if nv.monitorPort != 0 {
		want[nv.monitorPort] = []peerKind{peerNATS, peerMonitoring}
	}
	if nv.exporterPort != 0 {
		want[nv.exporterPort] = []peerKind{peerMonitoring}
	}
	names := map[peerKind]string{peerOther: "other sources", peerNATS: "the NATS pods", peerFaxpipe: "faxpipe's pods", peerMonitoring: "the monitoring namespace"}
	for port, kinds := range allowed {
		for kind := range kinds {
			if !slices.Contains(want[port], kind) {
				t.Errorf("NATS port %d is open to %s, want only to %q", port, names[kind], kindNames(want[port], names))
			}
		}
	}
	for port, kinds := range want {
		for _, kind := range kinds {
			if !allowed[port][kind] {
				t.Errorf("NATS port %d is not open to %s", port, names[kind])
			}
		}
	}
}

// ports are the numeric ports rule admits (named ports are not used for the
// NATS pods: the test would not know their names).
func ports(rule networkingv1.NetworkPolicyIngressRule) []int {
	var out []int
	for _, p := range rule.Ports {
		if p.Port != nil {
			out = append(out, p.Port.IntValue())
		}
	}
	return out
}

func kindNames(kinds []peerKind, names map[peerKind]string) []string {
	var out []string
	for _, k := range kinds {
		out = append(out, names[k])
	}
	return out
}
