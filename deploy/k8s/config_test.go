package k8s

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/faxpipe/faxpipe/pkg/cli"
	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider"
)

// secretValues stand for the keys of the Secrets that operators create
// (faxpipe-SERVICE, faxpipe-nats-SERVICE): values of the right shape for
// every key, so that pkg/config accepts them; a key has the same value in
// every Secret that holds it.
var secretValues = map[string]string{
	"pipeline-key":             "a-test-pipeline-key-of-at-least-32-bytes",
	"sfax-acme-api-key":        "5787A4EDBCDE46F9D6D2E067AC7097DC",
	"sfax-acme-encryption-key": "0123456789abcdef0123456789abcdef",
	"sfax-acme-init-vector":    "fedcba9876543210",
	"gofax-acme-password":      "gofax-password",
	"gofax-acme-api-token":     "gofax-api-token",
	"efax-acme-api-key":        "efax-api-key",
	"efax-acme-hmac-secret":    "efax-hmac-secret",
	"faxpipe.creds":            "-----BEGIN NATS USER JWT-----\n(a test stand-in)\n------END NATS USER JWT------\n",
	"tls.crt":                  "-----BEGIN CERTIFICATE-----\n(a test stand-in)\n-----END CERTIFICATE-----\n",
	"tls.key":                  "-----BEGIN PRIVATE KEY-----\n(a test stand-in)\n-----END PRIVATE KEY-----\n",
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
// container reads, as its command does (config.LoadFor with the command's
// cli.SecretUses): the ConfigMap file mounted at its -config path, every
// absolute path in it read from the container's mounted files
// (containerFS), and the environment its spec gives it. A secret the
// command uses and the Deployment does not mount fails the load.
func loadConfig(t *testing.T, m *manifests, d *appsv1.Deployment) *config.Config {
	t.Helper()
	cfg, err := loadConfigIn(t, m, d, containerFS(t, m, d))
	if err != nil {
		t.Fatalf("%s: its configuration does not load: %v", d.Name, err)
	}
	return cfg
}

// loadConfigIn is loadConfig with the container's files under root.
func loadConfigIn(t *testing.T, _ *manifests, d *appsv1.Deployment, root string) (*config.Config, error) {
	t.Helper()
	cmd, configPath := command(t, d)
	data, err := os.ReadFile(filepath.Join(root, configPath))
	if err != nil {
		t.Fatalf("%s: no configuration file at -config %s: %v", d.Name, configPath, err)
	}
	file := filepath.Join(t.TempDir(), "faxpipe.yaml")
	if err := os.WriteFile(file, []byte(underRoot(string(data), root)), 0o600); err != nil {
		t.Fatal(err)
	}
	return config.LoadFor(file, containerEnv(t, d), provider.AccountTypes(), cli.SecretUses(cmd))
}

// absolutePath is an absolute path in YAML: after a space, '{', '[' or ','.
var absolutePath = regexp.MustCompile(`([\s{\[,])(/[^\s,}\]"']+)`)

// underRoot is the configuration text with every absolute path moved under
// root, where containerFS put the container's files, quoted (root may hold
// a comma).
func underRoot(yaml, root string) string {
	return absolutePath.ReplaceAllString(yaml, `${1}"`+filepath.ToSlash(root)+`${2}"`)
}

// containerFS writes, under a fresh directory, every file the container's
// volumes mount, and returns the directory: ConfigMap keys from the
// rendered ConfigMaps (a ConfigMap the overlay does not render, made by
// the operator, holds a stand-in), Secret keys from secretValues. A Secret
// volume must list its items: the Deployment says which keys it gets.
func containerFS(t *testing.T, m *manifests, d *appsv1.Deployment) string {
	t.Helper()
	root := t.TempDir()
	volumes := map[string]corev1.Volume{}
	for _, v := range d.Spec.Template.Spec.Volumes {
		volumes[v.Name] = v
	}
	for _, vm := range container(t, d).VolumeMounts {
		v, ok := volumes[vm.Name]
		if !ok {
			t.Fatalf("%s: mounts volume %s, which it does not have", d.Name, vm.Name)
		}
		for key, data := range volumeFiles(t, m, d, v) {
			dst := filepath.Join(root, vm.MountPath, key)
			switch {
			case vm.SubPath == key:
				dst = filepath.Join(root, vm.MountPath)
			case vm.SubPath != "":
				continue
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, []byte(data), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	return root
}

// volumeFiles are the files of a ConfigMap or Secret volume, by path.
func volumeFiles(t *testing.T, m *manifests, d *appsv1.Deployment, v corev1.Volume) map[string]string {
	t.Helper()
	out := map[string]string{}
	switch {
	case v.Secret != nil:
		if len(v.Secret.Items) == 0 {
			t.Errorf("%s: Secret volume %s mounts every key of %s: list the items the service uses", d.Name, v.Name, v.Secret.SecretName)
		}
		for _, it := range v.Secret.Items {
			val, ok := secretValues[it.Key]
			if !ok {
				t.Errorf("%s: Secret %s key %s is not known to the test", d.Name, v.Secret.SecretName, it.Key)
			}
			out[it.Path] = val
		}
	case v.ConfigMap != nil:
		data := renderedConfigMap(m, v.ConfigMap.Name)
		if len(v.ConfigMap.Items) == 0 {
			if data == nil {
				t.Errorf("%s: ConfigMap volume %s mounts %s, which the overlay does not make: list its items", d.Name, v.Name, v.ConfigMap.Name)
			}
			return data
		}
		for _, it := range v.ConfigMap.Items {
			val, ok := data[it.Key]
			if !ok {
				val = "(the operator's " + v.ConfigMap.Name + " " + it.Key + ")"
			}
			out[it.Path] = val
		}
	default:
		t.Errorf("%s: volume %s is neither a ConfigMap nor a Secret: add it to the test", d.Name, v.Name)
	}
	return out
}

// renderedConfigMap is the data of the ConfigMap name that the overlay
// makes, nil when it makes none of that name.
func renderedConfigMap(m *manifests, name string) map[string]string {
	for _, cm := range m.configMaps {
		if cm.Name == name {
			return cm.Data
		}
	}
	return nil
}

// containerEnv is the getenv of the Deployment's container: its literal
// values. Secrets are files, never variables (a variable leaks into child
// processes and crash reports): a variable from a Secret fails.
func containerEnv(t *testing.T, d *appsv1.Deployment) func(string) string {
	t.Helper()
	c := container(t, d)
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = e.Value
		case e.ValueFrom.SecretKeyRef != nil:
			t.Errorf("%s: env %s comes from Secret %s: mount secrets as files", d.Name, e.Name, e.ValueFrom.SecretKeyRef.Name)
		}
	}
	if len(c.EnvFrom) > 0 {
		t.Errorf("%s: envFrom %v: mount secrets as files, set variables one by one", d.Name, c.EnvFrom)
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
