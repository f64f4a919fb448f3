package stream_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/stream"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// TestConnectAuthAndTLS: every way of authenticating connects to a
// TLS-only server that verifies clients, and every refusal — wrong or
// missing credentials, no CA, another CA's client certificate, no client
// certificate, a server name the certificate does not hold — is an
// immediate *RefusedError naming its cause, not endless retrying. An
// unreachable server is not a refusal: Connect returns, still trying.
func TestConnectAuthAndTLS(t *testing.T) {
	pki := streamtest.NewPKI(t)
	dir := t.TempDir()
	nkeyUser, nkeySeed := nkeyFiles(t, dir, "user.nk")
	_, otherSeed := nkeyFiles(t, dir, "other.nk")
	creds, resolver, operator := operatorFiles(t, dir, "faxpipe.creds", true)
	untrustedCreds, _, _ := operatorFiles(t, dir, "untrusted.creds", false)

	users := startTLSServer(t, pki, func(o *server.Options) {
		o.Users = []*server.User{{Username: "faxpipe", Password: "s3cret-password"}}
		o.Nkeys = []*server.NkeyUser{{Nkey: nkeyUser}}
	})
	token := startTLSServer(t, pki, func(o *server.Options) { o.Authorization = "s3cret-token" })
	operatorMode := startTLSServer(t, pki, func(o *server.Options) {
		o.TrustedOperators, o.AccountResolver = []*jwt.OperatorClaims{operator}, resolver
	})

	good := config.NATSTLS{CAFile: pki.CAFile, CertFile: pki.ClientCertFile, KeyFile: pki.ClientKeyFile}
	withTLS := func(n config.NATS, t config.NATSTLS) config.NATS { n.TLS = t; return n }
	password := config.NATS{User: "faxpipe", Password: config.Literal("s3cret-password")}
	tests := []struct {
		name      string
		url       string
		cfg       config.NATS
		wantCause string // "" connects
	}{
		{"user and password", users, withTLS(password, good), ""},
		{"nkey", users, withTLS(config.NATS{NKeySeedFile: nkeySeed}, good), ""},
		{"token", token, withTLS(config.NATS{Token: config.Literal("s3cret-token")}, good), ""},
		{"creds file", operatorMode, withTLS(config.NATS{CredsFile: creds}, good), ""},
		{"server name", users, withTLS(password, config.NATSTLS{CAFile: pki.CAFile, CertFile: pki.ClientCertFile, KeyFile: pki.ClientKeyFile, ServerName: streamtest.ServerName}), ""},
		{"wrong password", users, withTLS(config.NATS{User: "faxpipe", Password: config.Literal("wrong")}, good), "authorization"},
		{"no credentials", users, withTLS(config.NATS{}, good), "authorization"},
		{"unknown nkey", users, withTLS(config.NATS{NKeySeedFile: otherSeed}, good), "authorization"},
		{"wrong token", token, withTLS(config.NATS{Token: config.Literal("wrong")}, good), "authorization"},
		{"creds of an untrusted operator", operatorMode, withTLS(config.NATS{CredsFile: untrustedCreds}, good), "authorization"},
		{"no CA", users, withTLS(password, config.NATSTLS{CertFile: pki.ClientCertFile, KeyFile: pki.ClientKeyFile}), "TLS verification"},
		{"another CA's client certificate", users, withTLS(password, config.NATSTLS{CAFile: pki.CAFile, CertFile: pki.RogueCertFile, KeyFile: pki.RogueKeyFile}), "TLS verification"},
		{"no client certificate", users, withTLS(password, config.NATSTLS{CAFile: pki.CAFile}), "TLS verification"},
		{"no TLS configured", users, password, "TLS verification"},
		{"a name the certificate does not hold", users, withTLS(password, config.NATSTLS{CAFile: pki.CAFile, CertFile: pki.ClientCertFile, KeyFile: pki.ClientKeyFile, ServerName: "other.test"}), "TLS verification"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Name, tt.cfg.ConnectWait, tt.cfg.ReconnectWait = "faxpipe", 2*time.Second, 100*time.Millisecond
			start := time.Now()
			conn, err := stream.Connect(tt.url, tt.cfg, "test", zap.NewNop())
			if tt.wantCause == "" {
				if err != nil {
					t.Fatalf("Connect: %v", err)
				}
				defer conn.Close(time.Second)
				if !conn.NC.IsConnected() {
					t.Fatal("not connected")
				}
				return
			}
			var re *stream.RefusedError
			if !errors.As(err, &re) || !errors.Is(err, stream.ErrRefused) || re.Cause != tt.wantCause {
				if conn != nil {
					conn.Close(time.Second)
				}
				t.Fatalf("Connect: %v, want a refusal for %s", err, tt.wantCause)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("refused after %s, want at once", d)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("the error holds a secret: %v", err)
			}
		})
	}
}

// TestConnectUnreachable: no server at the URL yet is no reason to refuse:
// Connect returns a connection that keeps trying.
func TestConnectUnreachable(t *testing.T) {
	cfg := config.NATS{Name: "faxpipe", ConnectWait: time.Second, ReconnectWait: 100 * time.Millisecond}
	conn, err := stream.Connect("nats://127.0.0.1:1", cfg, "test", zap.NewNop())
	if err != nil {
		t.Fatalf("Connect: %v, want a connection still trying", err)
	}
	defer conn.Close(time.Second)
	if conn.NC.IsConnected() || conn.NC.IsClosed() {
		t.Errorf("status %v, want reconnecting", conn.NC.Status())
	}
}

// TestConnectFiles: a file the configuration names that cannot be read is
// an error naming the field, before any connection.
func TestConnectFiles(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	notPEM := filepath.Join(t.TempDir(), "not.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, field string
		cfg         config.NATS
	}{
		{"CA file missing", "nats.tls.ca_file", config.NATS{TLS: config.NATSTLS{CAFile: missing}}},
		{"CA file not PEM", "nats.tls.ca_file", config.NATS{TLS: config.NATSTLS{CAFile: notPEM}}},
		{"client certificate missing", "nats.tls.cert_file", config.NATS{TLS: config.NATSTLS{CertFile: missing, KeyFile: missing}}},
		{"nkey seed missing", "nats.nkey_seed_file", config.NATS{NKeySeedFile: missing}},
		{"nkey seed not a seed", "nats.nkey_seed_file", config.NATS{NKeySeedFile: notPEM}},
		{"creds file missing", "nats.creds_file", config.NATS{CredsFile: missing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := stream.Connect("nats://127.0.0.1:1", tt.cfg, "test", zap.NewNop())
			var fe *config.FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("Connect: %v, want an error at %s", err, tt.field)
			}
		})
	}
}

// startTLSServer starts a nats-server that accepts TLS clients with a
// certificate of pki's CA only, set up further by auth; it is its URL.
func startTLSServer(t *testing.T, pki *streamtest.PKI, auth func(*server.Options)) string {
	t.Helper()
	opts := &server.Options{Host: "127.0.0.1", Port: -1, NoSigs: true, NoLog: true,
		TLS: true, TLSVerify: true, TLSConfig: pki.ServerTLS, TLSTimeout: 2}
	auth(opts)
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	t.Cleanup(srv.Shutdown)
	return srv.ClientURL()
}

// nkeyFiles makes a user nkey: its public key, and the file of its seed.
func nkeyFiles(t *testing.T, dir, name string) (public, seedFile string) {
	t.Helper()
	kp, err := nkeys.CreateUser()
	if err != nil {
		t.Fatal(err)
	}
	public, err = kp.PublicKey()
	if err != nil {
		t.Fatal(err)
	}
	seed, err := kp.Seed()
	if err != nil {
		t.Fatal(err)
	}
	seedFile = filepath.Join(dir, name)
	if err := os.WriteFile(seedFile, seed, 0o600); err != nil {
		t.Fatal(err)
	}
	return public, seedFile
}

// operatorFiles makes an operator, an account and a user, and writes the
// user's creds file. register puts the account in the resolver; the
// operator's claims are what a server in operator mode trusts.
func operatorFiles(t *testing.T, dir, name string, register bool) (string, *server.MemAccResolver, *jwt.OperatorClaims) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	op, err := nkeys.CreateOperator()
	must(err)
	opPub, err := op.PublicKey()
	must(err)
	opJWT, err := jwt.NewOperatorClaims(opPub).Encode(op)
	must(err)
	opClaims, err := jwt.DecodeOperatorClaims(opJWT)
	must(err)
	acc, err := nkeys.CreateAccount()
	must(err)
	accPub, err := acc.PublicKey()
	must(err)
	accJWT, err := jwt.NewAccountClaims(accPub).Encode(op)
	must(err)
	user, err := nkeys.CreateUser()
	must(err)
	userPub, err := user.PublicKey()
	must(err)
	userJWT, err := jwt.NewUserClaims(userPub).Encode(acc)
	must(err)
	seed, err := user.Seed()
	must(err)
	creds, err := jwt.FormatUserConfig(userJWT, seed)
	must(err)
	path := filepath.Join(dir, name)
	must(os.WriteFile(path, creds, 0o600))
	resolver := &server.MemAccResolver{}
	if register {
		must(resolver.Store(accPub, accJWT))
	}
	return path, resolver, opClaims
}
