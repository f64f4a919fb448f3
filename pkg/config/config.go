// Package config loads faxpipe's configuration: one YAML file, environment
// overrides (FAXPIPE_<SECTION>_<FIELD>), and secrets from environment
// variables or files. Load applies defaults and validates; an invalid
// configuration is an error naming the field, e.g.
// `accounts.sfax[0].encryption_key: must be 32 bytes, got 12`.
package config

import (
	"fmt"
	"net"
	"time"
)

// Config is the whole configuration of one faxpipe process.
type Config struct {
	Pipeline   Pipeline   `yaml:"pipeline"`
	NATS       NATS       `yaml:"nats"`
	Streams    Streams    `yaml:"streams"`
	Ingress    Ingress    `yaml:"ingress"`
	Processor  Processor  `yaml:"processor"`
	Downloader Downloader `yaml:"downloader"`
	Reconciler Reconciler `yaml:"reconciler"`
	Admin      Admin      `yaml:"admin"`
	Log        Log        `yaml:"log"`
	Audit      Audit      `yaml:"audit"`
	Tracing    Tracing    `yaml:"tracing"`
	Accounts   Accounts   `yaml:"-"` // accounts: decoded by provider (Load)
}

// Pipeline holds the key that digests secrets in raw envelopes. Every
// service of one deployment must share it.
type Pipeline struct {
	KeyID string `yaml:"key_id"` // recorded with each digest; change it when rotating the key
	Key   Secret `yaml:"key"`    // at least 32 bytes
	// PreviousKeys are retired keys whose digests are still accepted, so
	// that raw envelopes captured before a rotation verify on replay.
	PreviousKeys []Secret `yaml:"previous_keys"`
}

// NATS says which broker to use. An empty URL makes `faxpipe all` start an
// embedded server; the single-service commands require a URL.
type NATS struct {
	URL       string `yaml:"url"`        // e.g. nats://nats:4222, comma-separated for a cluster
	CredsFile string `yaml:"creds_file"` // NATS credentials file (JWT + nkey)
	// User and Password, Token, NKeySeedFile and CredsFile are the ways a
	// client authenticates; at most one is set (see validateNATS).
	User          string        `yaml:"user"`
	Password      Secret        `yaml:"password"`
	Token         Secret        `yaml:"token"`
	NKeySeedFile  string        `yaml:"nkey_seed_file"` // a user nkey seed (SU…)
	TLS           NATSTLS       `yaml:"tls"`
	Name          string        `yaml:"name"` // client connection name
	ConnectWait   time.Duration `yaml:"connect_wait"`
	ReconnectWait time.Duration `yaml:"reconnect_wait"`
	// InboxPrefix is where the replies to this process's requests arrive;
	// a NATS user may subscribe under its own role's prefix only. Empty: a
	// service command's role's, _INBOX.<role> (`faxpipe all`: _INBOX.admin);
	// the tools: NATS's _INBOX (an admin reads anything).
	InboxPrefix string   `yaml:"inbox_prefix"`
	Embedded    Embedded `yaml:"embedded"`
}

// Embedded configures the in-process nats-server of `faxpipe all`.
type Embedded struct {
	Host    string `yaml:"host"`
	Port    int    `yaml:"port"`
	DataDir string `yaml:"data_dir"`
	// SyncInterval is how often JetStream fsyncs its files; SyncAlways
	// fsyncs every write. See the README's "Durability" section.
	SyncInterval time.Duration `yaml:"sync_interval"`
	SyncAlways   bool          `yaml:"sync_always"`
	MaxStore     ByteSize      `yaml:"max_store"` // JetStream file storage limit, 0 for the server's default
	Encryption   Encryption    `yaml:"encryption"`
	// Users, when set, make the server require authentication: each user
	// has the NATS permissions of its role (ingress, processor, downloader,
	// reconciler, consumer, admin). `faxpipe all` connects as nats.user,
	// which must be an admin.
	Users []EmbeddedUser `yaml:"users"`
}

// EmbeddedUser is one user of the embedded server.
type EmbeddedUser struct {
	User     string `yaml:"user"`
	Password Secret `yaml:"password"`
	Role     string `yaml:"role"`
}

// Streams sizes the JetStream topology.
type Streams struct {
	Replicas        int           `yaml:"replicas"`         // 1 embedded, 3 in a cluster
	DuplicateWindow time.Duration `yaml:"duplicate_window"` // Nats-Msg-Id dedupe window of every stream
	DedupeTTL       time.Duration `yaml:"dedupe_ttl"`       // how long event ids are remembered: FAXPIPE_EVENTS's duplicate window
	Raw             Retention     `yaml:"raw"`
	Events          Retention     `yaml:"events"`
	Documents       Retention     `yaml:"documents"`
	Rejected        Retention     `yaml:"rejected"`
	// Forged bounds FAXPIPE_FORGED, the ingress's records of refused
	// forgeries: always a finite age and size, since strangers fill it.
	Forged        Retention `yaml:"forged"`
	DocumentStore Retention `yaml:"document_store"` // the object store bucket
	// Audit is FAXPIPE_AUDIT, the access audit trail: it must be finite in
	// both age and size; full, it refuses new records (and so the reads
	// they audit) rather than dropping old ones.
	Audit Retention `yaml:"audit"`
}

// Bounded lists every stream and bucket whose retention is configured, by
// its configuration name (streams.{name}): what Validate checks and what
// the broker reserves room for.
func (s Streams) Bounded() map[string]Retention {
	return map[string]Retention{
		"raw": s.Raw, "events": s.Events, "documents": s.Documents, "rejected": s.Rejected, "document_store": s.DocumentStore,
		"forged": s.Forged, "audit": s.Audit,
	}
}

// Retention bounds one stream or bucket: messages older than MaxAge are
// removed, and the stream never holds more than MaxBytes (what happens when
// it is full is each stream's discard policy, pkg/stream/topology.go). Both
// must be positive: faxes are medical records, kept for a stated time, and
// nothing a stranger sends may fill the disks.
type Retention struct {
	MaxAge   time.Duration `yaml:"max_age"`
	MaxBytes ByteSize      `yaml:"max_bytes"`
}

// Ingress configures the public callback server.
type Ingress struct {
	Listen            string        `yaml:"listen"`
	BodyLimit         ByteSize      `yaml:"body_limit"`
	PublishTimeout    time.Duration `yaml:"publish_timeout"` // well under every provider's callback timeout
	RetryAfter        time.Duration `yaml:"retry_after"`     // sent with a 503
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout   time.Duration `yaml:"shutdown_timeout"` // drain time for in-flight callbacks
	MaxPending        int           `yaml:"max_pending"`      // publishes awaiting their acks before the ingress sheds load (stream.PublishLimits)
	RateLimit         RateLimit     `yaml:"rate_limit"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed, so that the
	// client address (for logs and the per-client limit) is the provider's,
	// not the load balancer's.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

// RateLimit is a token bucket per account and per client address. A zero
// rate disables that limit.
type RateLimit struct {
	AccountRPS   float64 `yaml:"account_rps"`
	AccountBurst int     `yaml:"account_burst"`
	ClientRPS    float64 `yaml:"client_rps"`
	ClientBurst  int     `yaml:"client_burst"`
}

// Processor configures the raw-stream consumer.
type Processor struct {
	Concurrency int           `yaml:"concurrency"` // raw messages processed at once per process
	MaxDeliver  int           `yaml:"max_deliver"` // deliveries before a failing message is rejected
	AckWait     time.Duration `yaml:"ack_wait"`    // redelivery after a crash mid-message
	RetryDelay  time.Duration `yaml:"retry_delay"` // first NakWithDelay after a transient fault; doubles per attempt
}

// Downloader configures the document fetcher.
type Downloader struct {
	Concurrency         int           `yaml:"concurrency"`          // documents fetched at once per process
	ProviderConcurrency int           `yaml:"provider_concurrency"` // at once per provider, within Concurrency
	MaxDocumentSize     ByteSize      `yaml:"max_document_size"`    // larger documents fail as too_large
	RequestTimeout      time.Duration `yaml:"request_timeout"`      // one HTTP request, body included
	StallTimeout        time.Duration `yaml:"stall_timeout"`        // no body byte for this long aborts the request
	NotFoundGrace       time.Duration `yaml:"not_found_grace"`      // a 404 this soon after the callback is retried
	RetryBudget         time.Duration `yaml:"retry_budget"`         // in-process retrying before NakWithDelay
	InitialBackoff      time.Duration `yaml:"initial_backoff"`
	MaxBackoff          time.Duration `yaml:"max_backoff"`
	MaxDeliver          int           `yaml:"max_deliver"` // deliveries before a document is announced failed
	AckWait             time.Duration `yaml:"ack_wait"`
	Format              string        `yaml:"format"` // pdf or tiff, where the provider offers both
	// AllowPrivateNetworks lets the downloader reach loopback and private
	// addresses (a local simulator); off, such addresses are refused even
	// when a configured host resolves to them.
	AllowPrivateNetworks bool `yaml:"allow_private_networks"`
}

// Reconciler configures the reconciler: it lists each account's received
// faxes through the provider's API and feeds in those whose webhook never
// arrived. Every pass over an account lists the window from Overlap before
// where the last pass got to, up to Settle before now.
type Reconciler struct {
	Interval time.Duration `yaml:"interval"` // between passes over one account
	Overlap  time.Duration `yaml:"overlap"`  // each pass lists again this far back from where the last one got to
	// Settle leaves a fax this young to its webhook: it is listed on a
	// later pass, if its webhook has not come by then.
	Settle time.Duration `yaml:"settle"`
	// CatchUp bounds how far back a pass lists: on the first start, and
	// after an outage longer than that (what lies before is not listed).
	CatchUp time.Duration `yaml:"catch_up"`
	// Chunk is the longest window listed at once; progress is saved after
	// each.
	Chunk time.Duration `yaml:"chunk"`
	// LeaseTTL is how long an account stays with a reconciler replica that
	// stopped renewing its lease (it renews every third of it).
	LeaseTTL time.Duration `yaml:"lease_ttl"`
	// Memory is how long the reconciler remembers what it fed in (so it
	// feeds a fax once); at least CatchUp + Overlap.
	Memory         time.Duration `yaml:"memory"`
	RequestTimeout time.Duration `yaml:"request_timeout"` // one listing request, answer included
	InitialBackoff time.Duration `yaml:"initial_backoff"` // after a failed listing; grows to MaxBackoff
	MaxBackoff     time.Duration `yaml:"max_backoff"`
}

// DedupeMargin is how much longer than the reconciler lists back
// (catch_up + overlap) the events stream's duplicate window
// (streams.dedupe_ttl) must remember event ids: room for a pass that
// retries for hours.
const DedupeMargin = 12 * time.Hour

// Admin configures the health and metrics server, separate from the public
// callback port. It listens on loopback unless told otherwise (a pod's
// probes and Prometheus need ":9090"; a NetworkPolicy then bounds who may
// reach it).
type Admin struct {
	Listen string `yaml:"listen"`
	// MetricsToken, when set, is the bearer token /metrics requires
	// (Prometheus: authorization.credentials_file). /healthz and /readyz
	// stay open for probes.
	MetricsToken Secret `yaml:"metrics_token"`
}

// Log configures zap.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or console
}

// LocalURL is the http URL at which a client on this machine reaches a
// server listening on listen (":8080", "0.0.0.0:8080", "[::]:8080" and
// "127.0.0.1:8080" all give http://127.0.0.1:8080).
func LocalURL(listen string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", listen, err)
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
