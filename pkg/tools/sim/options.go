package sim

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"time"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// The kinds of fax a simulator sends (Options.Kinds).
const (
	KindFaxIn  = "fax-in"  // a received fax: every provider
	KindFaxOut = "fax-out" // a sent fax: every provider
	KindSMS    = "sms"     // a sent SMS: GoFax only
	KindPing   = "ping"    // a test notification: eFax only
)

// AllKinds lists every kind, the default of Options.Kinds.
var AllKinds = []string{KindFaxIn, KindFaxOut, KindSMS, KindPing}

// Options say what a Simulator sends and how its document API behaves.
// The zero value of a field means its default (see Defaults); rates are
// probabilities in [0, 1].
type Options struct {
	// Target is faxpipe's public base URL; callbacks go to
	// {Target}/callbacks/{provider}/{account}.
	Target string
	// APIListen is where the document API listens (":0" for a free port);
	// empty serves no API.
	APIListen string
	// RewriteAPIBaseURL makes ListenAPI set every account's api_base_url to
	// the API's own URL (http://{APIAddr}); Accounts then returns them, for
	// a faxpipe configured in the same test.
	RewriteAPIBaseURL bool

	Providers []fax.Provider // providers to send as; default every one New is given
	Kinds     []string       // kinds to send (KindFaxIn…); default all

	// Count is how many faxes to send; with Rate it caps a rated run.
	Count int
	// Rate is faxes per second; with Duration, for that long.
	Rate     float64
	Duration time.Duration
	// Concurrency bounds the callback requests in flight (default 8).
	Concurrency int
	// MaxPending bounds the faxes being delivered, retry waits included
	// (default 10000); new faxes wait beyond it.
	MaxPending int

	DuplicateRate  float64 // share of faxes whose callback is sent again after its 200
	OutOfOrderRate float64 // share of faxes held back behind 1–3 later ones
	FailRate       float64 // share of faxes that fail (default 0.1; negative for none)
	// LoseRate is the share of received faxes (KindFaxIn) whose webhook
	// the provider never sends — it gave up, the account was suspended,
	// it was never sent — so that only reconciliation (listing the
	// provider's received faxes) recovers them. Only faxes the provider
	// lists (Webhook.Listed set) are lost: a provider without a listing
	// API could never have them recovered, so its webhooks are never
	// lost. Fax.Lost marks them in the report.
	LoseRate float64

	// RetryScale multiplies every provider retry delay (0.01: a 2-minute
	// wait becomes 1.2 s). Zero means 1.
	RetryScale float64
	// CallbackTimeout bounds one callback request; zero uses the
	// provider's (Spec.Policy).
	CallbackTimeout time.Duration
	// SfaxSuspendAfter is how many consecutive failed attempts suspend an
	// Sfax account's callbacks, as Sfax does after 20 [doc]; zero means 20,
	// negative never.
	SfaxSuspendAfter int
	// SfaxRawTokenRate is the share of Sfax callbacks whose token is sent
	// as is, not percent-encoded, as some senders do (PROVIDERS.md: '+'
	// then arrives as a space). Zero: every token percent-encoded.
	SfaxRawTokenRate float64
	// GoFaxQueryFields appends GoFax's fields to the callback URL's query
	// as well as sending them in the body (PROVIDERS.md: "if the configured
	// URL already has query parameters, GoFax appends the event fields").
	GoFaxQueryFields bool

	// Format is the document format faxpipe's downloader asks for where a
	// provider offers a choice (downloader.format), so that Report carries
	// the document it will get. Default pdf.
	Format docfetch.Format
	Faults Faults

	// Seed makes a run reproducible: the same faxes, ids, decisions and
	// faults. Zero draws a random seed.
	Seed uint64

	// EFaxTokenTTL is the lifetime of an eFax API token (default 24h, as
	// eFax's expires_in).
	EFaxTokenTTL time.Duration
	// MaxStall bounds how long a stalled document answer hangs (default
	// 5 min) when the client does not give up first.
	MaxStall time.Duration
}

// Faults are what the document API injects. Rates are per request, drawn
// from a hash of (Seed, provider, account, fax id, fetch number), so a
// given fax's n-th fetch always meets the same fault.
type Faults struct {
	ErrorRate   float64       // answered 500, 502 or 503
	TooManyRate float64       // answered 429 with Retry-After
	StallRate   float64       // half the body sent, then nothing until the client gives up
	Latency     time.Duration // added before every document answer
	// NotYetAvailable is how many first fetches of each fax answer "not
	// found" (Sfax: 200 {"isSuccess":false}; others 404).
	NotYetAvailable int
	// RetryAfter is the Retry-After of a 429, whole seconds (default 1s).
	RetryAfter time.Duration
}

// defaults returns o with every zero field given its default; the
// providers default to those of sims.
func (o Options) defaults(sims []Provider) Options {
	if len(o.Providers) == 0 {
		o.Providers = names(sims)
	}
	if len(o.Kinds) == 0 {
		o.Kinds = AllKinds
	}
	o.Concurrency = orDefault(o.Concurrency, 8)
	o.MaxPending = orDefault(o.MaxPending, 10000)
	o.SfaxSuspendAfter = orDefault(o.SfaxSuspendAfter, 20)
	if o.FailRate == 0 {
		o.FailRate = 0.1
	}
	if o.RetryScale == 0 {
		o.RetryScale = 1
	}
	if o.Format == "" {
		o.Format = docfetch.PDF
	}
	if o.EFaxTokenTTL == 0 {
		o.EFaxTokenTTL = 24 * time.Hour
	}
	if o.MaxStall == 0 {
		o.MaxStall = 5 * time.Minute
	}
	if o.Faults.RetryAfter == 0 {
		o.Faults.RetryAfter = time.Second
	}
	return o
}

func orDefault(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

// validate names the options that cannot work; sims are the providers
// there are.
func (o Options) validate(sims []Provider) error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	u, err := url.Parse(o.Target)
	check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "", "target %q: want an http(s) base URL", o.Target)
	for _, p := range o.Providers {
		check(slices.Contains(names(sims), p), "providers: unknown provider %q", p)
	}
	for _, k := range o.Kinds {
		check(slices.Contains(AllKinds, k), "kinds: unknown kind %q (want %v)", k, AllKinds)
	}
	check(o.Count >= 0 && o.Rate >= 0 && o.Duration >= 0, "count, rate and duration must not be negative")
	check(o.Rate == 0 || o.Duration > 0 || o.Count > 0, "rate needs a duration or a count")
	check(o.Concurrency > 0 && o.MaxPending > 0, "concurrency and max pending must be positive")
	for name, r := range map[string]float64{"duplicates": o.DuplicateRate, "out-of-order": o.OutOfOrderRate, "fail rate": o.FailRate, "lose rate": o.LoseRate, "sfax raw tokens": o.SfaxRawTokenRate} {
		check(r <= 1 && (r >= 0 || name == "fail rate"), "%s %v: want a probability in [0, 1]", name, r)
	}
	check(o.RetryScale > 0, "retry scale %v must be positive", o.RetryScale)
	check(o.Format == docfetch.PDF || o.Format == docfetch.TIFF, "format %q: want pdf or tiff", o.Format)
	errs = append(errs, o.Faults.validate())
	return errors.Join(errs...)
}

func (f Faults) validate() error {
	for _, r := range []float64{f.ErrorRate, f.TooManyRate, f.StallRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("fault rate %v: want a probability in [0, 1]", r)
		}
	}
	if sum := f.ErrorRate + f.TooManyRate + f.StallRate; sum > 1 {
		return fmt.Errorf("fault rates add up to %v, over 1", sum)
	}
	if f.Latency < 0 || f.NotYetAvailable < 0 || f.RetryAfter < 0 {
		return errors.New("fault latency, not-yet count and retry-after must not be negative")
	}
	return nil
}

// names are the names of sims, in their order.
func names(sims []Provider) []fax.Provider {
	out := make([]fax.Provider, len(sims))
	for i, ps := range sims {
		out[i] = ps.Spec().Name
	}
	return out
}
