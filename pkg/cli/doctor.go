package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"time"

	"github.com/faxpipe/faxpipe/pkg/doctor"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/apiclient"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

const doctorUsage = `usage: faxpipe [-config FILE] doctor [--json] [--public-url URL] [--timeout D]

Checks a configuration end to end, before faxes are lost: it loads; the
broker answers; every stream and bucket exists, its replicas are current
and it is not near its limits; this host's clock agrees with the broker's;
and for every account, the API client may reach its api_base_url, the
provider accepts its API credentials, and the callback URL the provider
must be configured with (secrets masked). It prints a line per check, or
JSON with --json; it exits with status 1 when a check fails (a warning
alone does not). It never prints a secret.

Flags:
`

// doctorTool is `faxpipe doctor`: the checks of pkg/doctor, run on the
// configuration with the broker connection and the API clients the
// services would use.
func doctorTool(ctx context.Context, e toolEnv) error {
	fs := flag.NewFlagSet("faxpipe doctor", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { _, _ = fmt.Fprint(e.stderr, doctorUsage); fs.PrintDefaults() }
	asJSON := fs.Bool("json", false, "print the report as JSON")
	public := fs.String("public-url", "", "faxpipe's public base URL, where providers send callbacks\n(default: the ingress's listen address, with a warning)")
	timeout := fs.Duration("timeout", 15*time.Second, "bound on each network check")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("faxpipe doctor takes no arguments, got %q", fs.Args())
	}
	if err := checkPublicURL(*public); err != nil {
		return err
	}
	var rep doctor.Report
	if e.cfgErr != nil {
		rep = doctor.ConfigInvalid(e.configPath, e.cfgErr)
	} else {
		rep = runDoctor(ctx, e, *public, *timeout)
	}
	write := rep.WriteText
	if *asJSON {
		write = rep.WriteJSON
	}
	if err := write(e.stdout); err != nil {
		return err
	}
	return rep.Err()
}

// checkPublicURL refuses a --public-url that is not an absolute http(s)
// URL without user info, query or fragment.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return errors.New("--public-url: want an absolute http(s) URL such as https://faxpipe.example.com, without user, query or fragment")
	}
	return nil
}

// runDoctor runs the checks with the broker connection and the providers'
// API clients the services build: the downloader's forgery guard and
// credential checkers of every provider.
func runDoctor(ctx context.Context, e toolEnv, publicURL string, timeout time.Duration) doctor.Report {
	d := doctor.Deps{
		Config: e.cfg, Source: e.configPath, BrokerURL: redactedURLs(brokerURL(e.cfg.NATS)),
		PublicURL: publicURL, Timeout: timeout,
	}
	conn, err := connectBroker(ctx, e)
	if err == nil {
		defer conn.Close(time.Second)
	}
	d.Conn, d.BrokerErr = conn, err
	opts := apiclient.Options{
		RequestTimeout: timeout, StallTimeout: e.cfg.Downloader.StallTimeout,
		AllowPrivateNetworks: e.cfg.Downloader.AllowPrivateNetworks, MaxConnsPerHost: 2,
	}
	d.Destination = func(ctx context.Context, base string) error { return apiclient.CheckDestination(ctx, opts, base) }
	hc, err := apiclient.New(opts, e.cfg.Accounts.APIBaseURLs(), nil)
	if err != nil {
		d.CheckersErr = err
		return doctor.Run(ctx, d)
	}
	d.Checkers, d.CheckersErr = provider.NewCredentialCheckers(e.cfg.Accounts, docfetch.Options{HTTP: hc})
	return doctor.Run(ctx, d)
}
