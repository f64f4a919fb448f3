package docker

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/api/types/network"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	"github.com/testcontainers/testcontainers-go/wait"
)

// requireDocker skips the test, loudly, when no Docker engine answers, and
// fails it instead when CI is set: CI must run the container suite.
func requireDocker(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	version, err := dockerCLI(ctx, "info", "--format", "{{.ServerVersion}}")
	if err == nil {
		t.Logf("Docker engine %s", version)
		return
	}
	banner := "\n" + strings.Repeat("#", 72) + "\n" +
		"#  CONTAINER SUITE NOT RUN: " + strings.ReplaceAll(err.Error(), "\n", "\n#  ") + "\n" +
		"#  Images, the NATS cluster and the services in containers are UNTESTED.\n" +
		strings.Repeat("#", 72)
	if os.Getenv("CI") != "" {
		t.Fatal(banner)
	}
	t.Skip(banner)
}

// The suite's containers and networks are labelled with the process id
// and host of the test that made them, so that a later run can remove what
// a run stopped before its cleanup left behind (sweep).
const (
	suitePIDLabel  = "faxpipe.container-suite.pid"
	suiteHostLabel = "faxpipe.container-suite.host"
)

// suiteLabels are this test process's labels.
func suiteLabels() map[string]string {
	host, _ := os.Hostname()
	return map[string]string{suitePIDLabel: strconv.Itoa(os.Getpid()), suiteHostLabel: host}
}

// sweep removes the containers, then the networks, that earlier runs of
// the suite on this host left behind: those whose test process no longer
// runs. A test binary killed, or stopped by go test's -timeout, never runs
// its cleanup, and no reaper (Ryuk) can be pulled here to do it; its
// containers would run on, taking the machine's CPU from later runs.
func sweep(ctx context.Context, t *testing.T) {
	t.Helper()
	host, _ := os.Hostname()
	format := `{{.ID}} {{.Label "` + suitePIDLabel + `"}} {{.Label "` + suiteHostLabel + `"}}`
	for _, kind := range []struct {
		name     string
		list, rm []string
	}{
		{"containers", []string{"ps", "-a"}, []string{"rm", "-f", "-v"}},
		{"networks", []string{"network", "ls"}, []string{"network", "rm"}},
	} {
		out, err := dockerCLI(ctx, append(kind.list, "--filter", "label="+suitePIDLabel, "--format", format)...)
		if err != nil {
			t.Logf("looking for %s that earlier runs left: %v", kind.name, err)
			continue
		}
		var stale []string
		for line := range strings.Lines(out) {
			f := strings.Fields(line)
			if len(f) != 3 || f[2] != host {
				continue // another host's, on a shared engine
			}
			if pid, err := strconv.Atoi(f[1]); err == nil && !processRuns(pid) {
				stale = append(stale, f[0])
			}
		}
		if len(stale) == 0 {
			continue
		}
		t.Logf("removing %d %s that earlier runs of the suite, stopped before their cleanup, left", len(stale), kind.name)
		if _, err := dockerCLI(ctx, append(kind.rm, stale...)...); err != nil {
			t.Logf("removing them: %v", err)
		}
	}
}

// processRuns reports whether a process pid runs on this host.
func processRuns(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// images are the suite's own builds of faxpipe and faxpipe-nats.
type images struct{ faxpipe, nats string }

// buildImages builds both images with build-images.sh (what `make image`
// runs) under a tag of this run, on scratch, and removes them at the end.
func buildImages(ctx context.Context, t *testing.T) images {
	t.Helper()
	tag := "suite-" + randomHex(t, 6)
	img := images{faxpipe: "faxpipe:" + tag, nats: "faxpipe-nats:" + tag}
	t.Cleanup(func() {
		if _, err := dockerCLI(context.Background(), "rmi", "--force", img.faxpipe, img.nats); err != nil {
			t.Logf("removing the images: %v", err)
		}
	})
	cmd := exec.CommandContext(ctx, "./build-images.sh")
	cmd.Env = append(os.Environ(), "IMAGE_BASE=scratch", "IMAGE_TAG="+tag, "CONTEXT_DIR="+t.TempDir())
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build-images.sh: %v\n%s", err, out)
	}
	t.Logf("images %s and %s built in %s", img.faxpipe, img.nats, time.Since(start).Round(time.Millisecond))
	return img
}

// spec is one container of the suite, hardened as in production: read-only
// root filesystem, no capabilities, no privilege escalation, the image's
// non-root user. Ports are published on 127.0.0.1 only.
type spec struct {
	alias string // host name on each of its networks
	image string
	cmd   []string
	env   map[string]string
	ports []string // container ports to publish, e.g. "9090/tcp"
	binds []string // host:container[:ro]
	// volumes are writable directories on volumes of the container's own,
	// kept across a restart as a disk is, removed with the container.
	volumes []string
	wait    wait.Strategy
}

// start starts s on the networks nets, named s.alias on each; the container
// is terminated in t.Cleanup, after its log tail is shown if the test failed.
func (s spec) start(ctx context.Context, t *testing.T, nets ...string) testcontainers.Container {
	t.Helper()
	aliases := map[string][]string{}
	for _, n := range nets {
		aliases[n] = []string{s.alias}
	}
	c, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{
		ContainerRequest: testcontainers.ContainerRequest{
			Image:              s.image,
			Labels:             suiteLabels(),
			Cmd:                s.cmd,
			Env:                s.env,
			ExposedPorts:       s.ports,
			Networks:           nets,
			NetworkAliases:     aliases,
			WaitingFor:         s.wait,
			HostConfigModifier: s.hostConfig,
		},
		Started: true,
		Logger:  tclog.TestLogger(t), // shown with -v or on failure only
	})
	testcontainers.CleanupContainer(t, c)
	t.Cleanup(func() {
		if t.Failed() && c != nil {
			t.Logf("---- %s (last lines) ----\n%s", s.alias, logTail(c, 30))
		}
	})
	if err != nil {
		t.Fatalf("start %s: %v", s.alias, err)
	}
	return c
}

func (s spec) hostConfig(hc *container.HostConfig) {
	hc.ReadonlyRootfs = true
	hc.CapDrop = []string{"ALL"}
	hc.SecurityOpt = []string{"no-new-privileges:true"}
	hc.Binds = s.binds
	for _, v := range s.volumes {
		hc.Mounts = append(hc.Mounts, mount.Mount{Type: mount.TypeVolume, Target: v})
	}
	hc.PortBindings = network.PortMap{}
	for _, p := range s.ports {
		port, err := network.ParsePort(p)
		if err != nil {
			panic(err) // a typo in the suite's own table
		}
		hc.PortBindings[port] = []network.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "0"}}
	}
}

// logTail is the last n lines of c's output.
func logTail(c testcontainers.Container, n int) string {
	out, err := logs(context.Background(), c)
	if err != nil {
		return out + err.Error()
	}
	lines := bytes.Split(bytes.TrimRight([]byte(out), "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}

// logs is all that c wrote to its standard output and error so far, read
// within 10 s.
func logs(ctx context.Context, c testcontainers.Container) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r, err := c.Logs(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = r.Close() }()
	b, err := io.ReadAll(r)
	return string(b), err
}

// endpoint is host:port of c's published port, on loopback.
func endpoint(ctx context.Context, t *testing.T, c testcontainers.Container, port string) string {
	t.Helper()
	hp, err := c.PortEndpoint(ctx, port, "")
	if err != nil {
		t.Fatalf("published port %s: %v", port, err)
	}
	return hp
}

// repoFile is the absolute path of a file of the repository, for bind mounts.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", rel))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// dockerCLI runs the docker command with args and returns its output,
// trimmed; its error includes the output.
func dockerCLI(ctx context.Context, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	text := strings.TrimSpace(string(out))
	if err != nil {
		return text, fmt.Errorf("docker %s: %w: %s", strings.Join(args, " "), err, text)
	}
	return text, nil
}

func randomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
