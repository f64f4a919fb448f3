package stream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// Embedded is an in-process nats-server with JetStream, for `faxpipe all`
// on a laptop and for tests.
type Embedded struct {
	srv *server.Server
}

// StartEmbedded starts a JetStream server as configured and waits until it
// accepts connections. Port -1 picks a free port (tests). With
// cfg.Encryption.Key set, every file of the store is encrypted; a store
// written in clear is encrypted as it is loaded, and one written under
// cfg.Encryption.PreviousKey is re-encrypted under Key. A stream in the
// data directory that the server cannot load (most often: encrypted with
// another key, or with no key configured) is an error naming it: the
// server shuts down before anyone could create an empty stream over it.
func StartEmbedded(cfg config.Embedded) (*Embedded, error) {
	opts := &server.Options{
		ServerName:            "faxpipe-embedded",
		Host:                  cfg.Host,
		Port:                  cfg.Port,
		JetStream:             true,
		StoreDir:              cfg.DataDir,
		SyncInterval:          cfg.SyncInterval,
		SyncAlways:            cfg.SyncAlways,
		JetStreamMaxStore:     int64(cfg.MaxStore),
		NoSigs:                true,
		MaxPayload:            8 << 20,
		DisableShortFirstPing: true,
	}
	if err := setEncryption(opts, cfg.Encryption); err != nil {
		return nil, err
	}
	users, err := embeddedUsers(cfg.Users)
	if err != nil {
		return nil, err
	}
	opts.Users = users
	if cfg.Port > 0 {
		// nats-server would only log a taken port and never become ready.
		ln, err := (&net.ListenConfig{}).Listen(context.Background(), "tcp", net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port)))
		if err != nil {
			return nil, fmt.Errorf("embedded nats-server: %w (is another faxpipe or nats-server running? set nats.embedded.port, or nats.url to use it)", err)
		}
		_ = ln.Close()
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats-server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(30 * time.Second) {
		srv.Shutdown()
		return nil, errors.New("embedded nats-server: not ready after 30s (is the port taken?)")
	}
	if err := checkStreamsLoaded(srv, cfg); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		return nil, err
	}
	return &Embedded{srv: srv}, nil
}

// embeddedUsers are the server's users, each with its role's permissions.
// None: the server requires no authentication.
func embeddedUsers(cfg []config.EmbeddedUser) ([]*server.User, error) {
	var users []*server.User
	for i, u := range cfg {
		role, err := ParseRole(u.Role)
		if err != nil {
			return nil, fmt.Errorf("embedded nats-server: nats.embedded.users[%d].role: %w", i, err)
		}
		users = append(users, &server.User{Username: u.User, Password: u.Password.Reveal(), Permissions: role.Permissions().Server()})
	}
	return users, nil
}

// URL is the client URL of the server.
func (e *Embedded) URL() string { return e.srv.ClientURL() }

// Shutdown stops the server, flushing JetStream's files, and waits for it.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
