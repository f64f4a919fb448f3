package stream

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/nats-io/nats.go"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// ErrRefused means a NATS server was reached and refused this client: TLS
// did not verify (either side's certificate) or the server did not accept
// its credentials. Retrying cannot help, so Connect returns it at once.
var ErrRefused = errors.New("refused by the NATS server")

// RefusedError is a refusal (ErrRefused) with its cause: "TLS
// verification" or "authorization".
type RefusedError struct {
	Cause string
	Err   error
}

func (e *RefusedError) Error() string {
	hint := "check nats.tls.ca_file, nats.tls.cert_file, nats.tls.key_file and nats.tls.server_name against the server's TLS"
	if e.Cause == causeAuthorization {
		hint = "check nats.user and nats.password, nats.token, nats.nkey_seed_file or nats.creds_file"
	}
	return fmt.Sprintf("%s: %s failed: %v (%s)", ErrRefused, e.Cause, e.Err, hint)
}

// Unwrap gives ErrRefused and the client's error.
func (e *RefusedError) Unwrap() []error { return []error{ErrRefused, e.Err} }

const (
	causeTLS           = "TLS verification"
	causeAuthorization = "authorization"
)

// refusal is err as a *RefusedError when it says the server refused the
// client, nil when it may pass (no server yet, a network fault).
func refusal(err error) error {
	var ne net.Error
	switch {
	case err == nil, errors.As(err, &ne) && ne.Timeout():
		return nil
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired),
		errors.Is(err, nats.ErrAuthRevoked), errors.Is(err, nats.ErrAccountAuthExpired):
		return &RefusedError{Cause: causeAuthorization, Err: err}
	case errors.Is(err, nats.ErrTLS), errors.Is(err, nats.ErrSecureConnRequired), errors.Is(err, nats.ErrSecureConnWanted),
		tlsAlert(err):
		return &RefusedError{Cause: causeTLS, Err: err}
	}
	return nil
}

// tlsAlert reports whether err is a TLS alert from the server, such as
// "tls: certificate required" or "tls: unknown certificate authority": in
// TLS 1.3 a client certificate is refused after the client's side of the
// handshake completed, so the alert comes with the first read.
func tlsAlert(err error) bool {
	var ve *tls.CertificateVerificationError
	var oe *net.OpError
	return errors.As(err, &ve) || errors.As(err, &oe) && oe.Op == "remote error"
}

// clientOptions are the authentication and TLS options of cfg. It reads
// the files they name now, so that a missing or bad file is an error
// naming its field rather than a connection that never succeeds.
func clientOptions(cfg config.NATS) ([]nats.Option, error) {
	var opts []nats.Option
	switch {
	case cfg.User != "":
		opts = append(opts, nats.UserInfo(cfg.User, cfg.Password.Reveal()))
	case cfg.Token.IsSet():
		opts = append(opts, nats.Token(cfg.Token.Reveal()))
	case cfg.NKeySeedFile != "":
		o, err := nats.NkeyOptionFromSeed(cfg.NKeySeedFile)
		if err != nil {
			return nil, &config.FieldError{Field: "nats.nkey_seed_file", Msg: err.Error()}
		}
		opts = append(opts, o)
	case cfg.CredsFile != "":
		if err := readable(cfg.CredsFile); err != nil {
			return nil, &config.FieldError{Field: "nats.creds_file", Msg: err.Error()}
		}
		opts = append(opts, nats.UserCredentials(cfg.CredsFile))
	}
	if cfg.TLS.Enabled() {
		tc, err := tlsConfig(cfg.TLS)
		if err != nil {
			return nil, err
		}
		opts = append(opts, nats.Secure(tc))
	}
	return opts, nil
}

// tlsConfig is the client TLS of t: its CA (else the system's roots), its
// client certificate, its server name (else each URL's host).
func tlsConfig(t config.NATSTLS) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, &config.FieldError{Field: "nats.tls.ca_file", Msg: err.Error()}
		}
		tc.RootCAs = x509.NewCertPool()
		if !tc.RootCAs.AppendCertsFromPEM(pem) {
			return nil, &config.FieldError{Field: "nats.tls.ca_file", Msg: t.CAFile + " holds no PEM certificate"}
		}
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, &config.FieldError{Field: "nats.tls.cert_file", Msg: "with nats.tls.key_file: " + err.Error()}
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

func readable(path string) error {
	f, err := os.Open(path) //nolint:gosec // a path the operator configured (nats.tls.*, nkey, creds), only checked for reading
	if err != nil {
		return err
	}
	return f.Close()
}
