package cli

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

const brokerPassword = "s3cret-broker-password"

// TestServicesOverTLSWithAuth: against a nats-server that speaks TLS only,
// verifies client certificates and knows one user, every service started
// as its own command becomes ready; configured without the CA, with a
// wrong password or with another CA's client certificate, every service,
// `faxpipe all` and a tool refuse to start within seconds with an error
// naming the cause, and no password in it.
func TestServicesOverTLSWithAuth(t *testing.T) {
	pki := streamtest.NewPKI(t)
	url := startSecureBroker(t, pki, -1)
	configPath := secureConfig(t)
	env := secureEnv(pki, url)
	t.Run("every service ready", func(t *testing.T) {
		for _, s := range services {
			ready(t, startCommand(t, configPath, s.name, env))
		}
	})
	cases := []struct{ name, cause, key, value string }{
		{"no CA", "TLS verification", "FAXPIPE_NATS_TLS_CA_FILE", ""},
		{"wrong password", "authorization", "TEST_NATS_PASSWORD", "wrong-password"},
		{"another CA's client certificate", "TLS verification", "FAXPIPE_NATS_TLS_CERT_FILE", pki.RogueCertFile},
	}
	for _, c := range cases {
		for _, cmd := range []string{"ingress", "processor", "downloader", "reconciler", allCommand, "tail"} {
			t.Run(c.name+"/"+cmd, func(t *testing.T) {
				e := with(env, c.key, c.value)
				if c.key == "FAXPIPE_NATS_TLS_CERT_FILE" {
					e = with(e, "FAXPIPE_NATS_TLS_KEY_FILE", pki.RogueKeyFile)
				}
				cmdRun := startCommand(t, configPath, cmd, e)
				select {
				case <-cmdRun.done:
					err := *cmdRun.err
					if err == nil || !strings.Contains(err.Error(), c.cause) || !strings.Contains(err.Error(), "refused") {
						t.Fatalf("faxpipe %s: %v, want a refusal naming %s", cmd, err, c.cause)
					}
					if strings.Contains(err.Error(), brokerPassword) || strings.Contains(err.Error(), "wrong-password") {
						t.Errorf("the error holds a password: %v", err)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("faxpipe %s still running after 5s; want a refusal naming %s", cmd, c.cause)
				}
			})
		}
	}
}

// TestServiceWaitsForBroker: a broker that is not there yet is no reason
// to refuse: the service starts unready, keeps trying, and is ready once
// the (TLS-only, authenticated) broker is up.
func TestServiceWaitsForBroker(t *testing.T) {
	pki := streamtest.NewPKI(t)
	addr := streamtest.FreeAddr(t)
	_, portText, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portText)
	env := secureEnv(pki, "nats://"+addr)
	env["FAXPIPE_NATS_RECONNECT_WAIT"] = "100ms"
	c := startCommand(t, secureConfig(t), "processor", env)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := awaitReady(ctx, strings.TrimPrefix(c.admin, "http://")); err == nil {
		t.Fatal("ready without a broker")
	}
	select {
	case <-c.done:
		t.Fatalf("stopped without a broker: %v", *c.err)
	default:
	}
	startSecureBroker(t, pki, port)
	ready(t, c)
}

// secureEnv is the environment of a service connecting to url with pki's
// CA and client certificate as the user faxpipe.
func secureEnv(pki *streamtest.PKI, url string) map[string]string {
	return map[string]string{
		"FAXPIPE_NATS_URL": url, "FAXPIPE_NATS_USER": "faxpipe", "TEST_NATS_PASSWORD": brokerPassword,
		"FAXPIPE_NATS_TLS_CA_FILE": pki.CAFile, "FAXPIPE_NATS_TLS_CERT_FILE": pki.ClientCertFile,
		"FAXPIPE_NATS_TLS_KEY_FILE": pki.ClientKeyFile, "FAXPIPE_NATS_TLS_SERVER_NAME": streamtest.ServerName,
		"FAXPIPE_NATS_CONNECT_WAIT": "2s", "FAXPIPE_LOG_FORMAT": "json",
	}
}

// command is a faxpipe command run through Run in this process: err is
// what Run returned once done is closed.
type command struct {
	admin string
	done  chan struct{}
	err   *error
}

// startCommand runs `faxpipe -config path cmd` with env (and its own free
// admin and ingress ports) until the test ends.
func startCommand(t *testing.T, path, cmd string, env map[string]string) command {
	t.Helper()
	adminAddr, ingressAddr := streamtest.FreeAddr(t), streamtest.FreeAddr(t)
	env = with(with(env, "FAXPIPE_ADMIN_LISTEN", adminAddr), "FAXPIPE_INGRESS_LISTEN", ingressAddr)
	ctx, cancel := context.WithCancel(context.Background())
	c := command{admin: "http://" + adminAddr, done: make(chan struct{}), err: new(error)}
	go func() {
		defer close(c.done)
		*c.err = Run(ctx, []string{"-config", path, cmd}, func(k string) string { return env[k] }, io.Discard, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-c.done:
		case <-time.After(20 * time.Second):
			t.Errorf("faxpipe %s did not stop", cmd)
		}
	})
	return c
}

// ready waits until c answers /readyz with 200; c ending first fails.
func ready(t *testing.T, c command) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := poll(ctx, func(ctx context.Context) bool {
		select {
		case <-c.done:
			t.Fatalf("ended before ready: %v", *c.err)
		default:
		}
		return awaitReady(ctx, strings.TrimPrefix(c.admin, "http://")) == nil
	})
	if err != nil {
		t.Fatalf("%s not ready: %v", c.admin, err)
	}
}

// startSecureBroker starts a JetStream nats-server on port (-1: a free
// one) that accepts TLS clients with a certificate of pki's CA and the
// user faxpipe only; it is its URL.
func startSecureBroker(t *testing.T, pki *streamtest.PKI, port int) string {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: port, NoSigs: true, NoLog: true,
		JetStream: true, StoreDir: t.TempDir(), MaxPayload: 8 << 20,
		TLS: true, TLSVerify: true, TLSConfig: pki.ServerTLS, TLSTimeout: 2,
		Users: []*server.User{{Username: "faxpipe", Password: brokerPassword}}}
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(func() { srv.Shutdown(); srv.WaitForShutdown() })
	return srv.ClientURL()
}

// secureConfig is the example configuration with the NATS password read
// from TEST_NATS_PASSWORD.
func secureConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../deploy/config/faxpipe.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The example's own nats.password (its embedded server's admin) gives
	// way to the test broker's.
	line := regexp.MustCompile(`(?m)^  password: .*$`)
	if !line.Match(b) {
		t.Fatal("the example configuration has no nats.password")
	}
	s := line.ReplaceAllString(string(b), "  password: {env: TEST_NATS_PASSWORD}")
	path := filepath.Join(t.TempDir(), "faxpipe.yaml")
	if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func with(env map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(env)+1)
	for kk, vv := range env {
		out[kk] = vv
	}
	out[k] = v
	return out
}
