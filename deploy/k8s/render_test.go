package k8s

import (
	"fmt"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// manifests is one rendered overlay, every object in its Kubernetes type.
type manifests struct {
	deployments     []*appsv1.Deployment
	services        []*corev1.Service
	configMaps      []*corev1.ConfigMap
	serviceAccounts []*corev1.ServiceAccount
	ingresses       []*networkingv1.Ingress
	networkPolicies []*networkingv1.NetworkPolicy
	autoscalers     []*autoscalingv2.HorizontalPodAutoscaler
	budgets         []*policyv1.PodDisruptionBudget
}

// render builds the kustomization at dir from disk and decodes every
// object strictly: an unknown field, or a kind the test does not know, fails.
func render(t *testing.T, dir string) *manifests {
	t.Helper()
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	m := &manifests{}
	for _, r := range rm.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.add(r.GetApiVersion()+"/"+r.GetKind(), b); err != nil {
			t.Errorf("%s %s: %v", r.GetKind(), r.GetName(), err)
		}
	}
	return m
}

// add decodes b, of the given apiVersion/kind, strictly into its type.
func (m *manifests) add(kind string, b []byte) error {
	switch kind {
	case "apps/v1/Deployment":
		return decodeInto(b, &m.deployments)
	case "v1/Service":
		return decodeInto(b, &m.services)
	case "v1/ConfigMap":
		return decodeInto(b, &m.configMaps)
	case "v1/ServiceAccount":
		return decodeInto(b, &m.serviceAccounts)
	case "networking.k8s.io/v1/Ingress":
		return decodeInto(b, &m.ingresses)
	case "networking.k8s.io/v1/NetworkPolicy":
		return decodeInto(b, &m.networkPolicies)
	case "autoscaling/v2/HorizontalPodAutoscaler":
		return decodeInto(b, &m.autoscalers)
	case "policy/v1/PodDisruptionBudget":
		return decodeInto(b, &m.budgets)
	}
	return fmt.Errorf("kind %s is not checked by this test: add it", kind)
}

func decodeInto[T any](b []byte, list *[]*T) error {
	v := new(T)
	if err := yaml.UnmarshalStrict(b, v); err != nil {
		return fmt.Errorf("strict decode: %w", err)
	}
	*list = append(*list, v)
	return nil
}
