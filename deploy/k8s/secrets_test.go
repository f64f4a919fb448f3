package k8s

import (
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"sigs.k8s.io/yaml"
)

// ownSecrets are the Secrets of the Deployment running cmd: its own
// secrets and its own NATS user.
func ownSecrets(cmd string) []string {
	return []string{"faxpipe-" + cmd, "faxpipe-nats-" + cmd}
}

// checkOwnSecretsOnly: each Deployment refers to its own Secrets and to no
// other, whichever way (volume, projected volume, variable).
func checkOwnSecretsOnly(t *testing.T, m *manifests) {
	for _, cmd := range commands {
		d := m.deployment(t, cmd)
		got := secretsReferenced(d)
		for _, name := range got {
			if !slices.Contains(ownSecrets(cmd), name) {
				t.Errorf("%s mounts the Secret %s, which is not its own (%q)", d.Name, name, ownSecrets(cmd))
			}
		}
		for _, name := range ownSecrets(cmd) {
			if !slices.Contains(got, name) {
				t.Errorf("%s does not mount its Secret %s", d.Name, name)
			}
		}
	}
}

// secretsReferenced are the names of every Secret the Deployment's pod
// refers to, sorted, once each.
func secretsReferenced(d *appsv1.Deployment) []string {
	var out []string
	pod := d.Spec.Template.Spec
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			out = append(out, v.Secret.SecretName)
		}
		if v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if src.Secret != nil {
					out = append(out, src.Secret.Name)
				}
			}
		}
	}
	for _, c := range append(slices.Clone(pod.InitContainers), pod.Containers...) {
		for _, e := range c.Env {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				out = append(out, e.ValueFrom.SecretKeyRef.Name)
			}
		}
		for _, e := range c.EnvFrom {
			if e.SecretRef != nil {
				out = append(out, e.SecretRef.Name)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// checkSecretsMountedAreUsed: each Deployment's configuration loads as its
// command loads it (every secret it uses is a file the Deployment mounts),
// and each key its own Secret mounts is one the command uses: without it,
// the configuration no longer loads.
func checkSecretsMountedAreUsed(t *testing.T, m *manifests) {
	for _, cmd := range commands {
		d := m.deployment(t, cmd)
		root := containerFS(t, m, d)
		if _, err := loadConfigIn(t, m, d, root); err != nil {
			t.Errorf("%s: a secret faxpipe %s uses is not mounted: %v", d.Name, cmd, err)
			continue
		}
		for _, f := range ownSecretFiles(d, "faxpipe-"+cmd) {
			data, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Remove(filepath.Join(root, f)); err != nil {
				t.Fatal(err)
			}
			if _, err := loadConfigIn(t, m, d, root); err == nil {
				t.Errorf("%s mounts %s, which faxpipe %s does not use: take it out of its Secret's items", d.Name, f, cmd)
			}
			if err := os.WriteFile(filepath.Join(root, f), data, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// ownSecretFiles are the paths in the container of the keys that the
// Deployment mounts from the Secret name.
func ownSecretFiles(d *appsv1.Deployment, name string) []string {
	mounts := map[string]string{}
	for _, vm := range d.Spec.Template.Spec.Containers[0].VolumeMounts {
		mounts[vm.Name] = vm.MountPath
	}
	var out []string
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Secret == nil || v.Secret.SecretName != name {
			continue
		}
		for _, it := range v.Secret.Items {
			out = append(out, path.Join(mounts[v.Name], it.Path))
		}
	}
	return out
}

// checkFilesMounted: every file the configuration names outside the
// secrets (nats.creds_file, the NATS TLS files: every field *_file) is one
// the Deployment mounts; the NATS credentials come from its own NATS
// Secret. The embedded broker's files are not a service's.
func checkFilesMounted(t *testing.T, m *manifests) {
	for _, cmd := range commands {
		d := m.deployment(t, cmd)
		root := containerFS(t, m, d)
		_, configPath := command(t, d)
		data, err := os.ReadFile(filepath.Join(root, configPath))
		if err != nil {
			t.Fatal(err)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		files := fileFields(doc, "")
		if files["nats.creds_file"] == "" {
			t.Errorf("%s: no nats.creds_file: each service connects as its own NATS user", d.Name)
		}
		for field, p := range files {
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				t.Errorf("%s: %s %s is not mounted", d.Name, field, p)
			}
		}
		if p := files["nats.creds_file"]; p != "" && !slices.Contains(ownSecretFiles(d, "faxpipe-nats-"+cmd), p) {
			t.Errorf("%s: nats.creds_file %s is not from its own Secret faxpipe-nats-%s", d.Name, p, cmd)
		}
	}
}

// fileFields are the fields of doc whose name ends in _file, by YAML path,
// outside nats.embedded.
func fileFields(doc map[string]any, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range doc {
		field := strings.TrimPrefix(prefix+"."+k, ".")
		switch v := v.(type) {
		case map[string]any:
			if field != "nats.embedded" {
				for f, p := range fileFields(v, field) {
					out[f] = p
				}
			}
		case string:
			if strings.HasSuffix(k, "_file") && v != "" {
				out[field] = v
			}
		}
	}
	return out
}
