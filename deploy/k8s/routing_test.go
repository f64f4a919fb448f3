package k8s

import (
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// selects reports whether sel selects the pods of d.
func selects(t *testing.T, sel *metav1.LabelSelector, d *appsv1.Deployment) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatal(err)
	}
	return !s.Empty() && s.Matches(labels.Set(d.Spec.Template.Labels))
}

// selected is the commands whose pods sel selects.
func (m *manifests) selected(t *testing.T, sel *metav1.LabelSelector) []string {
	t.Helper()
	var out []string
	for _, cmd := range commands {
		if selects(t, sel, m.deployment(t, cmd)) {
			out = append(out, cmd)
		}
	}
	return out
}

func checkService(t *testing.T, m *manifests) {
	if len(m.services) != 1 {
		t.Fatalf("%d Services, want 1 (the public callback port)", len(m.services))
	}
	s := m.services[0]
	if got := m.selected(t, &metav1.LabelSelector{MatchLabels: s.Spec.Selector}); !slices.Equal(got, []string{"ingress"}) {
		t.Errorf("Service %s selects %q, want only the ingress", s.Name, got)
	}
	d := m.deployment(t, "ingress")
	http := resolvePort(container(t, d), intstr.FromString("http"))
	for _, p := range s.Spec.Ports {
		if got := resolvePort(container(t, d), p.TargetPort); got == 0 || got != http {
			t.Errorf("Service port %s targets container port %d, want the ingress's %d", p.Name, got, http)
		}
	}
}

func checkIngress(t *testing.T, m *manifests) {
	if len(m.ingresses) == 0 {
		t.Fatal("no Ingress")
	}
	for _, ing := range m.ingresses {
		var tlsHosts []string
		for _, tls := range ing.Spec.TLS {
			if tls.SecretName != "" {
				tlsHosts = append(tlsHosts, tls.Hosts...)
			}
		}
		for _, rule := range ing.Spec.Rules {
			if !slices.Contains(tlsHosts, rule.Host) {
				t.Errorf("Ingress %s: host %q is not served over TLS", ing.Name, rule.Host)
			}
			for _, p := range rule.HTTP.Paths {
				if !strings.HasPrefix(p.Path, "/callbacks/") {
					t.Errorf("Ingress %s: path %q, want only /callbacks/...", ing.Name, p.Path)
				}
				b := p.Backend.Service
				if b == nil || b.Name != m.services[0].Name || !servicePort(m, b.Port.Name, b.Port.Number) {
					t.Errorf("Ingress %s: backend %+v, want the ingress Service's port", ing.Name, p.Backend)
				}
			}
		}
	}
}

// checkAccessLog: every Ingress turns ingress-nginx's access log off, whose
// default format has the request line, query string included, where the
// providers put secrets (Sfax API keys, tokens, GoFax URL secrets).
func checkAccessLog(t *testing.T, m *manifests) {
	for _, ing := range m.ingresses {
		if v := ing.Annotations["nginx.ingress.kubernetes.io/enable-access-log"]; v != "false" {
			t.Errorf("Ingress %s: enable-access-log %q, want \"false\" (query strings carry provider secrets)", ing.Name, v)
		}
	}
}

func servicePort(m *manifests, name string, number int32) bool {
	for _, p := range m.services[0].Spec.Ports {
		if (name != "" && p.Name == name) || (name == "" && p.Port == number) {
			return true
		}
	}
	return false
}

func checkScaling(t *testing.T, m *manifests) {
	if len(m.autoscalers) != 1 {
		t.Fatalf("%d autoscalers, want 1 (the ingress's)", len(m.autoscalers))
	}
	h := m.autoscalers[0]
	ref := h.Spec.ScaleTargetRef
	if ref.Kind != "Deployment" || ref.Name != m.deployment(t, "ingress").Name {
		t.Errorf("autoscaler targets %s %s, want the ingress Deployment", ref.Kind, ref.Name)
	}
	if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 1 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
		t.Errorf("autoscaler bounds %v..%d", h.Spec.MinReplicas, h.Spec.MaxReplicas)
	}
	covered := map[string]int{}
	for _, pdb := range m.budgets {
		for _, cmd := range m.selected(t, pdb.Spec.Selector) {
			covered[cmd]++
		}
	}
	for _, cmd := range commands {
		if covered[cmd] != 1 {
			t.Errorf("%s: %d disruption budgets select its pods, want 1", cmd, covered[cmd])
		}
	}
}
