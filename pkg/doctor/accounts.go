package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// accountParallelism bounds the accounts checked at once.
const accountParallelism = 4

// Mask stands for a secret in a callback URL.
const Mask = "•••"

// accountChecks checks every account, a few at a time, and returns their
// checks in configured order.
func accountChecks(ctx context.Context, d Deps) []Check {
	var secrets []string
	for _, a := range d.Config.Accounts {
		secrets = append(secrets, revealed(a)...)
	}
	out := make([][]Check, len(d.Config.Accounts))
	sem := make(chan struct{}, accountParallelism)
	var wg sync.WaitGroup
	for i, a := range d.Config.Accounts {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			out[i] = accountCheck(ctx, d, a, secrets)
		})
	}
	wg.Wait()
	return slices.Concat(out...)
}

// accountCheck is one account's checks: its API base URL, its API
// credentials and its callback URL, none of secrets (every account's) in
// any detail.
func accountCheck(ctx context.Context, d Deps, a config.ProviderAccount, secrets []string) []Check {
	checks := []Check{
		apiCheck(ctx, d, a),
		credentialsCheck(ctx, d, a),
		callbackCheck(d, a),
	}
	for i := range checks {
		checks[i].Provider, checks[i].Account = a.Provider(), a.Base().ID
		checks[i].Name = string(a.Provider()) + "/" + a.Base().ID + " " + checks[i].Name
		checks[i].Detail = redact(checks[i].Detail, secrets)
	}
	return checks
}

// apiCheck: the API client may reach the account's api_base_url.
func apiCheck(ctx context.Context, d Deps, a config.ProviderAccount) Check {
	c := Check{Name: "api_base_url", Status: OK}
	base := config.RedactURL(a.Base().APIBaseURL)
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	if err := d.Destination(ctx, a.Base().APIBaseURL); err != nil {
		c.Status, c.Detail = Fail, fmt.Sprintf("%s: the API client refuses it: %v", base, err)
		return c
	}
	c.Detail = base + ": allowed (every address it resolves to passes the API client's rules)"
	return c
}

// credentialsCheck: the provider accepts the account's API credentials.
func credentialsCheck(ctx context.Context, d Deps, a config.ProviderAccount) Check {
	c := Check{Name: "credentials", Status: Fail}
	if d.CheckersErr != nil {
		c.Detail = fmt.Sprintf("not checked: the API clients could not be built: %v", d.CheckersErr)
		return c
	}
	ck, ok := d.Checkers[a.Provider()]
	if !ok {
		c.Status, c.Detail = Warn, fmt.Sprintf("not checked: faxpipe has no credential check for %s", a.Provider())
		return c
	}
	ctx, cancel := context.WithTimeout(ctx, d.Timeout)
	defer cancel()
	err := ck.CheckCredentials(ctx, a.Base().ID)
	switch {
	case err == nil:
		c.Status, c.Detail = OK, "accepted by the provider's API"
	case errors.Is(err, docfetch.ErrUnauthorized):
		c.Detail = err.Error()
	default:
		c.Detail = fmt.Sprintf("not checked, the provider's API did not tell: %v", err)
	}
	return c
}

// callbackCheck is the URL the provider must call for the account, its
// secret query parameters (a GoFax URL secret) masked.
func callbackCheck(d Deps, a config.ProviderAccount) Check {
	c := Check{Name: "callback URL", Status: OK}
	base, warning := publicBase(d)
	u := strings.TrimRight(base, "/") + "/callbacks/" + string(a.Provider()) + "/" + url.PathEscape(a.Base().ID)
	for i, p := range a.SecretQueryParams() {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + url.QueryEscape(p) + "=" + Mask
	}
	c.Detail = u
	if !a.Base().Verifies() {
		c.Status, c.Detail = Warn, c.Detail+": verify: false, its callbacks are not authenticated"
	}
	if warning != "" {
		c.Status, c.Detail = Warn, c.Detail+": "+warning
	}
	return c
}

// publicBase is where providers reach the ingress: PublicURL, or the
// ingress's own address with a warning; a public URL in plain http off
// loopback warns too.
func publicBase(d Deps) (string, string) {
	if d.PublicURL == "" {
		local, err := config.LocalURL(d.Config.Ingress.Listen)
		if err != nil {
			local = "http://" + d.Config.Ingress.Listen
		}
		return local, "shown at the ingress's own address (ingress.listen): give --public-url, the address providers reach"
	}
	u, err := url.Parse(d.PublicURL)
	if err == nil && u.Scheme == "http" && !loopback(u.Hostname()) {
		return d.PublicURL, "plain http: callbacks would cross the network in clear (eFax sends only to https)"
	}
	return d.PublicURL, ""
}

// loopback reports whether host is localhost or a loopback address.
func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// revealed are the values of a's secrets that the process loaded.
func revealed(a config.ProviderAccount) []string {
	var out []string
	for _, s := range a.Secrets() {
		if v := s.Secret.Reveal(); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// redact replaces each secret in s, as is or escaped, with "[redacted]":
// the checkers promise to name none, and this holds the report to it.
func redact(s string, secrets []string) string {
	for _, v := range secrets {
		for _, form := range []string{v, url.QueryEscape(v), url.PathEscape(v)} {
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	return s
}
