package k8s

import (
	"slices"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
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
