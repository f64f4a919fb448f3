package consumer

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"go.uber.org/zap"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/stream/consume"
)

// Handler handles one message. nil acknowledges it; an error hands it back
// to be delivered again after a growing delay, up to Config.MaxDeliver
// deliveries. ctx ends when Run is stopping.
type Handler[T any] func(ctx context.Context, m Message[T]) error

// Config says which messages a consumer reads and how it retries.
type Config struct {
	// Durable names the consumer on the server, so that it resumes where it
	// stopped and replicas of one application share the work. Empty: an
	// ephemeral consumer, deleted when Run returns.
	Durable string
	Filter  Filter
	Start   Start // where a new consumer begins; StartAll when zero
	// Concurrency is how many messages are handled at once (default 1: in
	// order, except for retries).
	Concurrency int
	// MaxDeliver bounds the deliveries of a failing message (default 5);
	// after the last it is terminated and reported to OnPoison.
	MaxDeliver int
	// AckWait is how long a delivery may go unacknowledged before it is
	// delivered again (default 30s); a running handler keeps it alive.
	AckWait time.Duration
	// RetryInitial and RetryMax bound the delay before a failed message is
	// delivered again: growing 1.5× per failure, ±20% jitter (defaults 1s
	// and 1m).
	RetryInitial, RetryMax time.Duration
	// OnPoison, if set, hears of every message given up on.
	OnPoison func(Poison)
	Log      *zap.Logger // nil: no logs
}

// Poison is a message the consumer gave up on: undecodable, or failing on
// its last allowed delivery. It is terminated: JetStream will not deliver
// it again to this consumer, but the stream keeps it.
type Poison struct {
	Stream     string
	Seq        uint64
	Subject    string
	Data       []byte
	Deliveries uint64
	Err        error
}

// Consumer reads one stream with a JetStream consumer and hands each
// message, decoded as T, to a handler. Build one with Events or Documents.
type Consumer[T any] struct {
	js     jetstream.JetStream
	cfg    Config
	stream string
	filter string       // the broker's subject filter
	keep   func(T) bool // the filter fields the subject does not carry
	where  []func(Message[T]) bool
}

// Events reads fax events (FAXPIPE_EVENTS). It does no I/O until Run.
func Events(js jetstream.JetStream, cfg Config) *Consumer[fax.Event] {
	return &Consumer[fax.Event]{js: js, cfg: cfg.withDefaults(), stream: fax.EventsStream,
		filter: cfg.Filter.EventSubject(), keep: func(fax.Event) bool { return cfg.Filter.MatchesEvents() }}
}

// Documents reads document announcements (FAXPIPE_DOCUMENTS) as
// fax.DocumentAnnouncement. It does no I/O until Run.
func Documents(js jetstream.JetStream, cfg Config) *Consumer[fax.DocumentAnnouncement] {
	f := cfg.Filter
	return &Consumer[fax.DocumentAnnouncement]{js: js, cfg: cfg.withDefaults(), stream: fax.DocumentsStream,
		filter: f.DocumentSubject(), keep: func(d fax.DocumentAnnouncement) bool {
			return f.MatchesDocuments() && (f.Outcome == "" || f.Outcome == string(d.Outcome))
		}}
}

// Where adds a condition a message must meet to reach the handler; the
// others are acknowledged and skipped. It returns c.
func (c *Consumer[T]) Where(match func(Message[T]) bool) *Consumer[T] {
	c.where = append(c.where, match)
	return c
}

func (cfg Config) withDefaults() Config {
	def := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	cfg.Concurrency, cfg.MaxDeliver = max(cfg.Concurrency, 1), max(cfg.MaxDeliver, 0)
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = 5
	}
	def(&cfg.AckWait, 30*time.Second)
	def(&cfg.RetryInitial, time.Second)
	def(&cfg.RetryMax, time.Minute)
	if cfg.Log == nil {
		cfg.Log = zap.NewNop()
	}
	return cfg
}

var consumerName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// validate reports a configuration the broker would refuse.
func (cfg Config) validate() error {
	if cfg.Durable != "" && !consumerName.MatchString(cfg.Durable) {
		return fmt.Errorf("durable name %q: letters, digits, '-' and '_' only, at most 64", cfg.Durable)
	}
	return cfg.Filter.Validate()
}

// Run creates or resumes the consumer and handles messages until ctx ends
// (it then returns nil once the handlers in progress have returned) or the
// consumer disappears from the server (an error). Run once at a time.
func (c *Consumer[T]) Run(ctx context.Context, h Handler[T]) error {
	if err := c.cfg.validate(); err != nil {
		return err
	}
	cons, err := c.attach(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil // stopped before it started
		}
		return err
	}
	if c.cfg.Durable == "" {
		defer c.delete(cons)
	}
	return consume.Run(ctx, cons, c.options(), c.handler(h))
}

// attach creates the consumer, or updates an existing durable one keeping
// its position.
func (c *Consumer[T]) attach(ctx context.Context) (jetstream.Consumer, error) {
	cc := jetstream.ConsumerConfig{
		Durable:       c.cfg.Durable,
		Description:   "faxpipe downstream consumer",
		FilterSubject: c.filter,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       c.cfg.AckWait,
		// The consumer itself terminates a message after MaxDeliver (and
		// reports it); the server never silently stops redelivering.
		MaxDeliver:    -1,
		MaxAckPending: max(1000, 4*c.cfg.Concurrency),
	}
	c.cfg.Start.apply(&cc)
	if c.cfg.Durable == "" {
		cc.InactiveThreshold = 5 * time.Minute // a crashed client's consumer goes away
		return c.create(ctx, cc, c.js.CreateConsumer)
	}
	existing, err := c.js.Consumer(ctx, c.stream, c.cfg.Durable)
	switch {
	case err == nil:
		resume(&cc, existing.CachedInfo().Config)
	case !errors.Is(err, jetstream.ErrConsumerNotFound):
		return nil, fmt.Errorf("consumer %s on %s: %w", c.cfg.Durable, c.stream, err)
	}
	return c.create(ctx, cc, c.js.CreateOrUpdateConsumer)
}

func (c *Consumer[T]) create(ctx context.Context, cc jetstream.ConsumerConfig,
	create func(context.Context, string, jetstream.ConsumerConfig) (jetstream.Consumer, error)) (jetstream.Consumer, error) {
	cons, err := create(ctx, c.stream, cc)
	if err != nil {
		return nil, fmt.Errorf("consumer %q on %s: %w", cc.Durable, c.stream, err)
	}
	return cons, nil
}

// delete removes an ephemeral consumer, with time of its own: Run's
// context has ended.
func (c *Consumer[T]) delete(cons jetstream.Consumer) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.js.DeleteConsumer(ctx, c.stream, cons.CachedInfo().Name); err != nil {
		c.cfg.Log.Debug("delete ephemeral consumer", zap.Error(err))
	}
}
