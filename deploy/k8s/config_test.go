package k8s

import (
	"net"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider"
)

// secretValues stand for the Secret faxpipe-secrets that operators create:
// values of the right shape for every key, so that pkg/config accepts them.
var secretValues = map[string]string{
	"faxpipe-secrets/pipeline-key":             "a-test-pipeline-key-of-at-least-32-bytes",
	"faxpipe-secrets/sfax-acme-api-key":        "5787A4EDBCDE46F9D6D2E067AC7097DC",
	"faxpipe-secrets/sfax-acme-encryption-key": "0123456789abcdef0123456789abcdef",
	"faxpipe-secrets/sfax-acme-init-vector":    "fedcba9876543210",
	"faxpipe-secrets/gofax-acme-password":      "gofax-password",
	"faxpipe-secrets/gofax-acme-api-token":     "gofax-api-token",
	"faxpipe-secrets/efax-acme-api-key":        "efax-api-key",
	"faxpipe-secrets/efax-acme-hmac-secret":    "efax-hmac-secret",
}

// container is the Deployment's one container.
func container(t *testing.T, d *appsv1.Deployment) *corev1.Container {
	t.Helper()
	if n := len(d.Spec.Template.Spec.Containers); n != 1 {
		t.Fatalf("%s: %d containers, want 1", d.Name, n)
	}
	return &d.Spec.Template.Spec.Containers[0]
}

// command is the faxpipe command the Deployment runs, and its -config file.
func command(t *testing.T, d *appsv1.Deployment) (cmd, configPath string) {
	t.Helper()
	args := container(t, d).Args
	if len(args) != 3 || args[0] != "-config" {
		t.Fatalf("%s: args %q, want -config FILE COMMAND", d.Name, args)
	}
	return args[2], args[1]
}

// loadConfig loads, through pkg/config, the configuration the Deployment's
// container reads: the ConfigMap file mounted at its -config path, with the
// environment its spec gives it (secrets from secretValues). A secret that
// the configuration needs and the Deployment does not pass fails the load.
func loadConfig(t *testing.T, m *manifests, d *appsv1.Deployment) *config.Config {
	t.Helper()
	_, configPath := command(t, d)
	file := filepath.Join(t.TempDir(), "faxpipe.yaml")
	if err := os.WriteFile(file, []byte(mountedConfig(t, m, d, configPath)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(file, containerEnv(t, container(t, d)), provider.AccountTypes())
	if err != nil {
		t.Fatalf("%s: its configuration does not load: %v", d.Name, err)
	}
	return cfg
}

// mountedConfig is the content of the ConfigMap file mounted at file.
func mountedConfig(t *testing.T, m *manifests, d *appsv1.Deployment, file string) string {
	t.Helper()
	for _, vm := range container(t, d).VolumeMounts {
		key := vm.SubPath
		if key == "" && path.Dir(file) == vm.MountPath {
			key = path.Base(file)
		} else if vm.MountPath != file {
			continue
		}
		cm := configMapOfVolume(t, m, d, vm.Name)
		data, ok := cm.Data[key]
		if !ok {
			t.Fatalf("%s: ConfigMap %s has no %s", d.Name, cm.Name, key)
		}
		return data
	}
	t.Fatalf("%s: nothing is mounted at %s", d.Name, file)
	return ""
}

func configMapOfVolume(t *testing.T, m *manifests, d *appsv1.Deployment, volume string) *corev1.ConfigMap {
	t.Helper()
	for _, v := range d.Spec.Template.Spec.Volumes {
		if v.Name != volume || v.ConfigMap == nil {
			continue
		}
		for _, cm := range m.configMaps {
			if cm.Name == v.ConfigMap.Name {
				return cm
			}
		}
		t.Fatalf("%s: volume %s: no ConfigMap %s", d.Name, volume, v.ConfigMap.Name)
	}
	t.Fatalf("%s: no ConfigMap volume %s", d.Name, volume)
	return nil
}

// containerEnv is the getenv of c: literal values, and secrets from
// secretValues. Other sources (resource fields) are not configuration.
func containerEnv(t *testing.T, c *corev1.Container) func(string) string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
			v, ok := secretValues[ref]
			if !ok {
				t.Errorf("%s: env %s refers to %s, which the test does not know", c.Name, e.Name, ref)
			}
			env[e.Name] = v
		}
	}
	return func(name string) string { return env[name] }
}

// listenPort is the port of a host:port listen address.
func listenPort(t *testing.T, listen string) int32 {
	t.Helper()
	_, p, err := net.SplitHostPort(listen)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.ParseInt(p, 10, 32)
	if err != nil {
		t.Fatal(err)
	}
	return int32(n)
}

// natsHosts are the host names of a (comma-separated) NATS URL.
func natsHosts(url string) []string {
	var hosts []string
	for _, u := range strings.Split(url, ",") {
		u = strings.TrimPrefix(strings.TrimSpace(u), "nats://")
		host, _, _ := strings.Cut(u, ":")
		hosts = append(hosts, host)
	}
	return hosts
}
