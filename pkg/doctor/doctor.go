// Package doctor checks a faxpipe configuration end to end, before faxes
// are lost (`faxpipe doctor`): the configuration loads; the broker answers;
// every stream and bucket of the topology exists, its replicas are current
// and it is not near its limits; the local clock agrees with the broker's;
// and for every account, its API base URL is one the API client may reach,
// the provider accepts its API credentials, and the callback URL the
// provider must call is shown, its secret parts masked.
//
// Checks are data (Check: a name, a status, a detail), gathered in a
// Report that prints for people or as JSON. No check's detail carries a
// secret or a phone number.
package doctor

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/stream"
)

// Status is the outcome of one check.
type Status string

// The statuses, from best to worst.
const (
	OK   Status = "ok"
	Warn Status = "warn" // works now, needs attention
	Fail Status = "fail" // faxes are, or will be, lost or late
)

// rank orders statuses from best to worst.
func (s Status) rank() int { return slices.Index([]Status{OK, Warn, Fail}, s) }

// worse is the worse of a and b.
func worse(a, b Status) Status {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Check is the outcome of one check. Provider and Account name the account
// an account's check is about.
type Check struct {
	Name     string       `json:"name"`
	Status   Status       `json:"status"`
	Detail   string       `json:"detail"`
	Provider fax.Provider `json:"provider,omitempty"`
	Account  string       `json:"account,omitempty"`
}

// Deps are what the checks run against, built by the caller (pkg/cli).
type Deps struct {
	// Config is the loaded, valid configuration.
	Config *config.Config
	// Source says where the configuration came from (its file), for the
	// report.
	Source string
	// Conn is the broker connection; nil when BrokerErr (which names the
	// broker) says why there is none. BrokerURL names the broker,
	// credentials redacted.
	Conn      *stream.Conn
	BrokerURL string
	BrokerErr error
	// Checkers check the accounts' API credentials, by provider; a
	// provider absent has no check. CheckersErr is why they could not be
	// built, if so.
	Checkers    map[fax.Provider]docfetch.CredentialChecker
	CheckersErr error
	// Destination tells whether the API client may reach an API base URL
	// (apiclient.CheckDestination with the downloader's options).
	Destination func(ctx context.Context, base string) error
	// PublicURL is faxpipe's public base URL, where providers send
	// callbacks; empty: the ingress's own listen address, with a warning.
	PublicURL string
	// Timeout bounds each network check (default 15 s).
	Timeout time.Duration
	// Now is the local clock (default time.Now).
	Now func() time.Time
}

// Run runs every check and returns the report: the configuration, the
// broker and its topology, the clock, then each account in configured
// order. A broker that cannot be reached fails its check and skips those
// that need it; the accounts are checked regardless.
func Run(ctx context.Context, d Deps) Report {
	if d.Timeout <= 0 {
		d.Timeout = 15 * time.Second
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	r := Report{Checks: []Check{configCheck(d.Source, d.Config, nil)}}
	r.Checks = append(r.Checks, brokerChecks(ctx, d)...)
	r.Checks = append(r.Checks, accountChecks(ctx, d)...)
	return r
}

// ConfigInvalid is the report of a configuration that does not load: its
// one check, failed with err (which names the field, never a secret).
func ConfigInvalid(source string, err error) Report {
	return Report{Checks: []Check{configCheck(source, nil, err)}}
}

// configCheck is the configuration's check: loaded from source, or err.
func configCheck(source string, cfg *config.Config, err error) Check {
	c := Check{Name: "configuration", Status: OK}
	from := source
	if from == "" {
		from = "defaults and FAXPIPE_* variables (no -config file)"
	}
	if err != nil {
		c.Status, c.Detail = Fail, from+": "+err.Error()
		return c
	}
	var ids []string
	for _, a := range cfg.Accounts {
		ids = append(ids, string(a.Provider())+"/"+a.Base().ID)
	}
	switch len(ids) {
	case 0:
		c.Status, c.Detail = Warn, from+": valid, but no account is configured: every callback will be refused"
	default:
		c.Detail = fmt.Sprintf("%s: valid; %d accounts: %s", from, len(ids), strings.Join(ids, ", "))
	}
	return c
}

// brokerChecks are the broker's reachability, its topology and the clock.
func brokerChecks(ctx context.Context, d Deps) []Check {
	c := Check{Name: "broker", Status: OK}
	if d.Conn == nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("%v; the topology and the clock were not checked", d.BrokerErr)
		return []Check{c}
	}
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	start := d.Now()
	info, err := d.Conn.JS.AccountInfo(ctx)
	if err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("%s: JetStream does not answer: %v; the topology and the clock were not checked", d.BrokerURL, err)
		return []Check{c}
	}
	c.Detail = fmt.Sprintf("%s: nats-server %s, JetStream answered in %s; %d streams, %s stored",
		d.BrokerURL, d.Conn.NC.ConnectedServerVersion(), round(d.Now().Sub(start)), info.Streams, size(info.Store))
	checks := []Check{c}
	streams, samples := topologyChecks(ctx, d)
	checks = append(checks, streams...)
	return append(checks, clockCheck(samples))
}

// round is d rounded for people: to the millisecond, or the microsecond
// under one.
func round(d time.Duration) time.Duration {
	if d < time.Millisecond {
		return d.Round(time.Microsecond)
	}
	return d.Round(time.Millisecond)
}

// size is n bytes for people, in binary units.
func size(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := math.Round(10*float64(n)/float64(div)) / 10
	return strconv.FormatFloat(v, 'f', -1, 64) + " " + string("KMGTPE"[exp]) + "iB"
}
