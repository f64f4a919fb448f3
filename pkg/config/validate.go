package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"go.uber.org/zap/zapcore"
)

// FieldError is a configuration error at one field, named by its YAML path.
type FieldError struct {
	Field string // e.g. accounts.sfax[0].encryption_key
	Msg   string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }

// Checker collects the FieldErrors of a validation; Validate joins them.
type Checker struct {
	errs []error
	// withheld are the secrets the process does not use (LoadFor): their
	// fields are not reported, whatever check names them.
	withheld map[string]bool
}

// Fail records that field is invalid, the message formatted as fmt.Sprintf,
// unless field is a secret the process does not use.
func (c *Checker) Fail(field, format string, args ...any) {
	if c.withheld[field] {
		return
	}
	c.errs = append(c.errs, &FieldError{Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Check records that field is invalid unless ok.
func (c *Checker) Check(ok bool, field, format string, args ...any) {
	if !ok {
		c.Fail(field, format, args...)
	}
}

// Validate reports every invalid field, each error naming its YAML path.
// A secret the loader withheld (the process does not use it) is not
// checked.
func (c *Config) Validate() error {
	ck := Checker{withheld: c.withheldFields()}
	c.validateCore(&ck)
	c.validateNATS(&ck)
	c.validateNATSUsers(&ck)
	c.validateStreams(&ck)
	c.validateIngress(&ck)
	c.validateProcessor(&ck)
	c.validateDownloader(&ck)
	c.validateReconciler(&ck)
	c.validateAudit(&ck)
	c.validateTracing(&ck)
	c.Accounts.validate(&ck, c.Downloader.AllowPrivateNetworks)
	return errors.Join(ck.errs...)
}

func (c *Config) validateCore(ck *Checker) {
	ck.Check(len(c.Pipeline.Key.Reveal()) >= 32, "pipeline.key", "must be set and at least 32 bytes (it keys the digests of secrets)")
	ck.Check(isToken(c.Pipeline.KeyID), "pipeline.key_id", "must be letters, digits, '-' or '_'")
	for i, k := range c.Pipeline.PreviousKeys {
		ck.Check(len(k.Reveal()) >= 32, fmt.Sprintf("pipeline.previous_keys[%d]", i), "must be at least 32 bytes")
	}
	for _, u := range strings.Split(c.NATS.URL, ",") {
		if u = strings.TrimSpace(u); u != "" {
			pu, err := url.Parse(u)
			ck.Check(err == nil && pu.Host != "", "nats.url", "%q is not a URL such as nats://host:4222", RedactURL(u))
		}
	}
	e := c.NATS.Embedded
	ck.Check(e.Port > 0 && e.Port < 65536, "nats.embedded.port", "must be 1-65535")
	ck.Check(e.DataDir != "", "nats.embedded.data_dir", "must be set")
	ck.Check(e.SyncInterval > 0 || e.SyncAlways, "nats.embedded.sync_interval", "must be positive")
	ck.Check(e.MaxStore >= 0, "nats.embedded.max_store", "must not be negative (0 for the server's default)")
	_, err := zapcore.ParseLevel(c.Log.Level)
	ck.Check(err == nil, "log.level", "must be debug, info, warn or error")
	ck.Check(c.Log.Format == "json" || c.Log.Format == "console", "log.format", "must be json or console")
	ck.Check(validListen(c.Admin.Listen), "admin.listen", "%q is not host:port", c.Admin.Listen)
}

func (c *Config) validateStreams(ck *Checker) {
	s := c.Streams
	ck.Check(s.Replicas >= 1 && s.Replicas <= 5, "streams.replicas", "must be 1 to 5 (3 for a cluster)")
	ck.Check(s.DuplicateWindow > 0, "streams.duplicate_window", "must be positive")
	ck.Check(s.DedupeTTL >= s.DuplicateWindow, "streams.dedupe_ttl", "must be at least streams.duplicate_window")
	// The events stream's duplicate window is dedupe_ttl, and JetStream
	// keeps no window longer than the stream keeps its messages.
	ck.Check(s.Events.MaxAge <= 0 || s.Events.MaxAge < s.DuplicateWindow || s.Events.MaxAge >= s.DedupeTTL, "streams.events.max_age",
		"must be at least streams.dedupe_ttl (%s): the events stream remembers event ids only while it keeps the events", s.DedupeTTL)
	var total ByteSize
	for name, r := range s.Bounded() {
		ck.Check(r.MaxAge > 0, "streams."+name+".max_age", "must be positive: every stream and bucket keeps data for a stated time (see README \"Retention and sizing\")")
		ck.Check(r.MaxBytes > 0, "streams."+name+".max_bytes", "must be positive: every stream and bucket has a size bound (see README \"Retention and sizing\")")
		if r.MaxAge > 0 && name != "document_store" {
			ck.Check(r.MaxAge >= s.DuplicateWindow, "streams."+name+".max_age", "must be at least streams.duplicate_window")
		}
		total += max(r.MaxBytes, 0)
	}
	// The embedded broker reserves every stream's max_bytes against its
	// store limit when it creates the stream: say so now rather than fail
	// then.
	if e := c.NATS.Embedded; c.NATS.URL == "" && e.MaxStore > 0 {
		ck.Check(total*ByteSize(s.Replicas) <= e.MaxStore, "nats.embedded.max_store",
			"is %d bytes, less than the streams' max_bytes add up to (%d bytes): raise it or lower streams.*.max_bytes", int64(e.MaxStore), int64(total)*int64(s.Replicas))
	}
}

func (c *Config) validateIngress(ck *Checker) {
	in := c.Ingress
	ck.Check(validListen(in.Listen), "ingress.listen", "%q is not host:port", in.Listen)
	ck.Check(in.Listen != c.Admin.Listen, "admin.listen", "must differ from ingress.listen")
	ck.Check(in.BodyLimit > 0, "ingress.body_limit", "must be positive")
	ck.Check(in.PublishTimeout > 0 && in.PublishTimeout <= 10e9, "ingress.publish_timeout", "must be positive and at most 10s (providers time out at 15s)")
	ck.Check(in.RetryAfter >= 1e9, "ingress.retry_after", "must be at least 1s")
	ck.Check(in.MaxPending > 0, "ingress.max_pending", "must be positive")
	for name, d := range map[string]int64{"read_header_timeout": int64(in.ReadHeaderTimeout), "read_timeout": int64(in.ReadTimeout), "write_timeout": int64(in.WriteTimeout), "idle_timeout": int64(in.IdleTimeout), "shutdown_timeout": int64(in.ShutdownTimeout)} {
		ck.Check(d > 0, "ingress."+name, "must be positive")
	}
	ck.Check(in.WriteTimeout > in.PublishTimeout, "ingress.write_timeout", "must exceed ingress.publish_timeout")
	rl := in.RateLimit
	ck.Check(rl.AccountRPS >= 0, "ingress.rate_limit.account_rps", "must not be negative (0 turns the limit off)")
	ck.Check(rl.AccountRPS <= 0 || rl.AccountBurst >= 1, "ingress.rate_limit.account_burst", "must be at least 1 when account_rps is set")
	ck.Check(rl.ClientRPS >= 0, "ingress.rate_limit.client_rps", "must not be negative (0 turns the limit off)")
	ck.Check(rl.ClientRPS <= 0 || rl.ClientBurst >= 1, "ingress.rate_limit.client_burst", "must be at least 1 when client_rps is set")
	for i, cidr := range in.TrustedProxies {
		_, _, err := net.ParseCIDR(cidr)
		ck.Check(err == nil, fmt.Sprintf("ingress.trusted_proxies[%d]", i), "%q is not a CIDR", cidr)
	}
}

func (c *Config) validateProcessor(ck *Checker) {
	p := c.Processor
	ck.Check(p.Concurrency >= 1 && p.Concurrency <= 1024, "processor.concurrency", "must be 1 to 1024")
	ck.Check(p.MaxDeliver >= 2, "processor.max_deliver", "must be at least 2")
	ck.Check(p.AckWait >= 15*time.Second, "processor.ack_wait", "must be at least 15s (a message may take 10s)")
	ck.Check(p.RetryDelay > 0, "processor.retry_delay", "must be positive")
}

func (c *Config) validateDownloader(ck *Checker) {
	d := c.Downloader
	ck.Check(d.Concurrency >= 1 && d.Concurrency <= 1024, "downloader.concurrency", "must be 1 to 1024")
	ck.Check(d.ProviderConcurrency >= 1, "downloader.provider_concurrency", "must be at least 1")
	ck.Check(d.MaxDocumentSize > 0, "downloader.max_document_size", "must be positive")
	ck.Check(d.RequestTimeout > 0, "downloader.request_timeout", "must be positive")
	ck.Check(d.StallTimeout > 0 && d.StallTimeout <= d.RequestTimeout, "downloader.stall_timeout", "must be positive and at most request_timeout")
	ck.Check(d.NotFoundGrace >= 0, "downloader.not_found_grace", "must not be negative")
	ck.Check(d.RetryBudget > 0, "downloader.retry_budget", "must be positive")
	ck.Check(d.InitialBackoff > 0 && d.MaxBackoff >= d.InitialBackoff, "downloader.max_backoff", "must be at least initial_backoff, both positive")
	ck.Check(d.MaxDeliver >= 2, "downloader.max_deliver", "must be at least 2")
	ck.Check(d.AckWait > d.StallTimeout, "downloader.ack_wait", "must exceed stall_timeout (long downloads report progress)")
	ck.Check(d.Format == "pdf" || d.Format == "tiff", "downloader.format", "must be pdf or tiff")
}

func validListen(addr string) bool {
	_, port, err := net.SplitHostPort(addr)
	return err == nil && port != ""
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r != '-' && r != '_' && (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

func (c *Config) validateReconciler(ck *Checker) {
	r := c.Reconciler
	for name, d := range map[string]time.Duration{
		"interval": r.Interval, "chunk": r.Chunk, "catch_up": r.CatchUp, "lease_ttl": r.LeaseTTL,
		"request_timeout": r.RequestTimeout, "initial_backoff": r.InitialBackoff, "max_backoff": r.MaxBackoff,
	} {
		ck.Check(d > 0, "reconciler."+name, "must be positive")
	}
	ck.Check(r.Overlap >= 0, "reconciler.overlap", "must not be negative")
	ck.Check(r.Settle >= 0, "reconciler.settle", "must not be negative")
	ck.Check(r.LeaseTTL >= time.Second, "reconciler.lease_ttl", "must be at least 1s")
	ck.Check(r.MaxBackoff >= r.InitialBackoff, "reconciler.max_backoff", "must be at least reconciler.initial_backoff")
	ck.Check(r.Memory >= r.CatchUp+r.Overlap, "reconciler.memory", "must be at least reconciler.catch_up + reconciler.overlap (%s)", r.CatchUp+r.Overlap)
	// A fax listed after its event id left the events stream's duplicate
	// window would be published again: the window must be longer than a
	// pass lists back, with room for a pass that takes hours to get
	// through.
	ck.Check(c.Streams.DedupeTTL < c.Streams.DuplicateWindow || // reported as such
		c.Streams.DedupeTTL >= r.CatchUp+r.Overlap+DedupeMargin, "reconciler.catch_up",
		"must be at most streams.dedupe_ttl - reconciler.overlap - %s (%s): older faxes' event ids are forgotten", DedupeMargin,
		c.Streams.DedupeTTL-r.Overlap-DedupeMargin)
}
