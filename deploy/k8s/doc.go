// Package k8s holds faxpipe's Kubernetes manifests (a kustomize base and the
// overlays dev and prod) and their test: every overlay is rendered with
// kustomize's Go API, every object decoded strictly into its Kubernetes
// type, and what must agree is checked — the ports and probes against the
// binary's own configuration (loaded through pkg/config from the rendered
// ConfigMap), each Deployment's own Secrets against the secrets its command
// loads (config.LoadFor: all it uses are mounted, nothing else is), images,
// security, resources, grace periods, the Service, the Ingress, the
// autoscaler and disruption budgets. The package has no
// non-test code beyond this comment.
package k8s
