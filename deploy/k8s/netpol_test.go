package k8s

import (
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// checkNetworkPolicies: every pod is denied by default; only the ingress's
// public port admits traffic beyond the admin port; only the downloader
// leaves the cluster (HTTPS); every service reaches NATS and DNS.
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
		checkPolicyPorts(t, m, p)
	}
	for _, port := range []int{4222, 53} {
		if got := m.egressTo(t, port); !slices.Equal(got, commands) {
			t.Errorf("egress to port %d allowed for %q, want %q", port, got, commands)
		}
	}
}

// checkPolicyPorts: a policy admitting any port but the admin port selects
// the ingress only; one letting traffic out on 443 selects the downloader only.
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
			if port.Port != nil && port.Port.IntValue() == 443 && !slices.Equal(selected, []string{"downloader"}) {
				t.Errorf("policy %s lets %q out on 443, want the downloader only", p.Name, selected)
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
