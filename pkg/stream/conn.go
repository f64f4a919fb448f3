package stream

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// Conn is a NATS connection with its JetStream context.
type Conn struct {
	NC *nats.Conn
	JS jetstream.JetStream
	// Limits bound the publishes of the connection's Publishers and
	// Batchers; Connect sets DefaultPublishLimits.
	Limits PublishLimits
}

// Connect dials url (comma-separated for a cluster) with cfg's
// authentication and TLS, and keeps reconnecting forever: a service
// outlives broker restarts, reporting itself unready in the meantime. It
// returns even when the broker is not reachable yet, but not when the
// first attempt reaches a server that refuses the client (a *RefusedError,
// ErrRefused: TLS verification or authorization failed), nor when a file
// cfg names cannot be read (a *config.FieldError). jsOpts tune the
// JetStream context; the publishes of the connection's Publishers are
// bounded by its Limits instead. Neither url nor a secret is in any error
// it returns.
func Connect(url string, cfg config.NATS, component string, log *zap.Logger, jsOpts ...jetstream.JetStreamOpt) (*Conn, error) {
	auth, err := clientOptions(cfg)
	if err != nil {
		return nil, err
	}
	opts := append(auth, connOptions(cfg, component, log)...)
	if cfg.InboxPrefix != "" { // a user may read replies under its role's prefix only (Role.InboxPrefix)
		opts = append(opts, nats.CustomInboxPrefix(cfg.InboxPrefix))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		if r := refusal(err); r != nil {
			return nil, r
		}
		// No server yet, or a network fault: keep trying in the background.
		nc, err = nats.Connect(url, append(opts, nats.RetryOnFailedConnect(true))...)
	}
	if err != nil {
		return nil, fmt.Errorf("nats connect: %w", err)
	}
	js, err := jetstream.New(nc, jsOpts...)
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	return &Conn{NC: nc, JS: js, Limits: DefaultPublishLimits}, nil
}

// connOptions are the options of every connection: its name, timeouts,
// endless reconnection, and logging of its state changes.
func connOptions(cfg config.NATS, component string, log *zap.Logger) []nats.Option {
	return []nats.Option{
		nats.Name(cfg.Name + "-" + component),
		nats.Timeout(cfg.ConnectWait),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(cfg.ReconnectWait),
		nats.ReconnectJitter(100*time.Millisecond, time.Second),
		// Buffering publishes while disconnected would let the ingress believe
		// a callback is on its way; fail fast so it answers 503 instead.
		nats.ReconnectBufSize(-1),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err == nil { // our own Close or Drain
				log.Debug("nats connection closed")
				return
			}
			log.Warn("nats disconnected", zap.Error(err))
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", zap.String("server", nc.ConnectedUrlRedacted()))
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("nats async error", zap.Error(err))
		}),
	}
}

// Close drains the connection, so pending publishes and acks complete, and
// waits up to timeout for it to close.
func (c *Conn) Close(timeout time.Duration) {
	if err := c.NC.Drain(); err != nil {
		c.NC.Close()
		return
	}
	deadline := time.Now().Add(timeout)
	for !c.NC.IsClosed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	c.NC.Close()
}
