package streamtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a certificate authority made for one test, with a server
// certificate for 127.0.0.1 and the name ServerName, a client certificate,
// and a client certificate of another CA (one the server does not trust).
// Every certificate and key is also in a PEM file under a temporary
// directory.
type PKI struct {
	CAFile                        string // the CA's certificate
	ServerCertFile, ServerKeyFile string
	ClientCertFile, ClientKeyFile string
	RogueCertFile, RogueKeyFile   string // a client certificate of another CA
	ServerTLS                     *tls.Config
	dir                           string
}

// ServerName is the DNS name the server certificate holds (besides
// 127.0.0.1).
const ServerName = "nats.faxpipe.test"

// NewPKI makes the certificates and writes their files.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{dir: t.TempDir()}
	ca, caKey := newCA(t, "faxpipe test CA")
	rogue, rogueKey := newCA(t, "some other CA")
	p.CAFile = p.write(t, "ca.crt", pemOf("CERTIFICATE", ca.Raw))
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	srvDER, srvKey := issue(t, ca, caKey, "nats", x509.ExtKeyUsageServerAuth)
	p.ServerCertFile, p.ServerKeyFile = p.writePair(t, "server", srvDER, srvKey)
	cliDER, cliKey := issue(t, ca, caKey, "faxpipe", x509.ExtKeyUsageClientAuth)
	p.ClientCertFile, p.ClientKeyFile = p.writePair(t, "client", cliDER, cliKey)
	rogueDER, rogueCliKey := issue(t, rogue, rogueKey, "faxpipe", x509.ExtKeyUsageClientAuth)
	p.RogueCertFile, p.RogueKeyFile = p.writePair(t, "rogue", rogueDER, rogueCliKey)
	cert, err := tls.LoadX509KeyPair(p.ServerCertFile, p.ServerKeyFile)
	if err != nil {
		t.Fatal(err)
	}
	p.ServerTLS = &tls.Config{
		MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert},
		ClientCAs: pool, ClientAuth: tls.RequireAndVerifyClientCert,
	}
	return p
}

func newCA(t testing.TB, name string) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func issue(t testing.TB, ca *x509.Certificate, caKey *ecdsa.PrivateKey, cn string, usage x509.ExtKeyUsage) ([]byte, *ecdsa.PrivateKey) {
	t.Helper()
	key := newKey(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial(t), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	if usage == x509.ExtKeyUsageServerAuth {
		tmpl.DNSNames, tmpl.IPAddresses = []string{ServerName}, []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return der, key
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (p *PKI) writePair(t testing.TB, name string, der []byte, key *ecdsa.PrivateKey) (certFile, keyFile string) {
	t.Helper()
	k, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return p.write(t, name+".crt", pemOf("CERTIFICATE", der)), p.write(t, name+".key", pemOf("PRIVATE KEY", k))
}

func (p *PKI) write(t testing.TB, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func pemOf(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}
