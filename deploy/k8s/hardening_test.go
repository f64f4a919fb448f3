package k8s

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func checkHardened(t *testing.T, m *manifests) {
	for _, d := range m.deployments {
		pod := d.Spec.Template.Spec
		ps := pod.SecurityContext
		if ps == nil || ps.RunAsNonRoot == nil || !*ps.RunAsNonRoot || ps.RunAsUser == nil || *ps.RunAsUser == 0 {
			t.Errorf("%s: pod must set runAsNonRoot and a non-zero runAsUser", d.Name)
		}
		if ps == nil || ps.SeccompProfile == nil || ps.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: seccomp profile must be RuntimeDefault", d.Name)
		}
		if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
			t.Errorf("%s: the service account token must not be mounted", d.Name)
		}
		cs := container(t, d).SecurityContext
		switch {
		case cs == nil:
			t.Errorf("%s: container has no securityContext", d.Name)
		case cs.RunAsUser != nil && *cs.RunAsUser == 0:
			t.Errorf("%s: container runs as root", d.Name)
		case cs.ReadOnlyRootFilesystem == nil || !*cs.ReadOnlyRootFilesystem:
			t.Errorf("%s: root filesystem must be read-only", d.Name)
		case cs.AllowPrivilegeEscalation == nil || *cs.AllowPrivilegeEscalation:
			t.Errorf("%s: privilege escalation must be off", d.Name)
		case cs.Capabilities == nil || len(cs.Capabilities.Drop) != 1 || cs.Capabilities.Drop[0] != "ALL" || len(cs.Capabilities.Add) != 0:
			t.Errorf("%s: capabilities must drop ALL and add none", d.Name)
		}
	}
}

func checkResources(t *testing.T, m *manifests) {
	for _, d := range m.deployments {
		r := container(t, d).Resources
		for _, need := range []struct {
			list corev1.ResourceList
			name corev1.ResourceName
			what string
		}{
			{r.Requests, corev1.ResourceCPU, "cpu request"},
			{r.Requests, corev1.ResourceMemory, "memory request"},
			{r.Limits, corev1.ResourceMemory, "memory limit"},
		} {
			if q, ok := need.list[need.name]; !ok || q.IsZero() {
				t.Errorf("%s: no %s", d.Name, need.what)
			}
		}
		if req, lim := r.Requests[corev1.ResourceMemory], r.Limits[corev1.ResourceMemory]; req.Cmp(lim) > 0 {
			t.Errorf("%s: memory request %s over its limit %s", d.Name, req.String(), lim.String())
		}
	}
}
