package doctor_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/doctor"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/stream/streamtest"
)

// checker answers every account with err, after quoting secret in it
// when set (a provider echoing a credential).
type checker struct {
	err    error
	secret string
}

func (c checker) CheckCredentials(context.Context, string) error {
	if c.err != nil && c.secret != "" {
		return fmt.Errorf("%w: the API said %q", c.err, c.secret)
	}
	return c.err
}

// accounts are an Sfax and a GoFax account with a URL secret.
func accounts() config.Accounts {
	s := &sfax.Account{Username: "u", APIKey: config.Literal("5787A4EDBCDE46F9D6D2E067AC7097DC"),
		EncryptionKey: config.Literal("0123456789abcdef0123456789abcdef"), InitVector: config.Literal("fedcba9876543210")}
	s.ID, s.APIBaseURL = "acme", "https://api.sfaxme.com"
	g := &gofax.Account{URLSecret: gofax.URLSecret{Param: "secret", Value: config.Literal("url-secret-value")},
		APIToken: config.Literal("gofax-token-value")}
	g.ID, g.APIBaseURL = "clinic", "https://restful-api.gofax.com.au"
	return config.Accounts{s, g}
}

// deps are checks of accounts with no broker, every destination allowed
// and every credential answered err.
func deps(err error, secret string) doctor.Deps {
	cfg := config.Default()
	cfg.Accounts = accounts()
	ck := checker{err: err, secret: secret}
	return doctor.Deps{
		Config: &cfg, Source: "faxpipe.yaml", BrokerErr: errors.New("no NATS server at nats://127.0.0.1:4222"),
		Checkers:    map[fax.Provider]docfetch.CredentialChecker{fax.Sfax: ck, fax.GoFax: ck},
		Destination: func(context.Context, string) error { return nil },
		PublicURL:   "https://faxpipe.example.com/",
	}
}

func checkNamed(t *testing.T, r doctor.Report, name string) doctor.Check {
	t.Helper()
	for _, c := range r.Checks {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no check %q", name)
	return doctor.Check{}
}

// TestAccountsAreCheckedWithoutABroker: an unreachable broker fails its
// check, skips the topology and the clock, and every account is still
// checked, in configured order.
func TestAccountsAreCheckedWithoutABroker(t *testing.T) {
	r := doctor.Run(context.Background(), deps(nil, ""))
	var names []string
	for _, c := range r.Checks {
		names = append(names, c.Name)
	}
	want := []string{"configuration", "broker",
		"sfax/acme api_base_url", "sfax/acme credentials", "sfax/acme callback URL",
		"gofax/clinic api_base_url", "gofax/clinic credentials", "gofax/clinic callback URL"}
	if got := strings.Join(names, ", "); got != strings.Join(want, ", ") {
		t.Fatalf("checks %s, want %s", got, strings.Join(want, ", "))
	}
	if c := checkNamed(t, r, "broker"); c.Status != doctor.Fail || !strings.Contains(c.Detail, "no NATS server") {
		t.Errorf("broker: %s %q", c.Status, c.Detail)
	}
	if got := r.Count(doctor.Fail); got != 1 || !errors.Is(r.Err(), doctor.ErrFailed) {
		t.Errorf("%d failures, Err %v; want the broker's alone", got, r.Err())
	}
}

// TestCallbackURLMasksItsSecret: the callback URL is the public URL's
// /callbacks/{provider}/{id}, a GoFax URL secret's value masked.
func TestCallbackURLMasksItsSecret(t *testing.T) {
	r := doctor.Run(context.Background(), deps(nil, ""))
	for name, want := range map[string]string{
		"sfax/acme callback URL":    "https://faxpipe.example.com/callbacks/sfax/acme",
		"gofax/clinic callback URL": "https://faxpipe.example.com/callbacks/gofax/clinic?secret=" + doctor.Mask,
	} {
		if c := checkNamed(t, r, name); c.Status != doctor.OK || c.Detail != want {
			t.Errorf("%s: %s %q, want ok %q", name, c.Status, c.Detail, want)
		}
	}
}

// TestNoSecretInTheReport: a checker whose error quotes the account's
// credential (a provider echoing it) has it redacted from the report, in
// text and JSON.
func TestNoSecretInTheReport(t *testing.T) {
	for _, secret := range []string{"gofax-token-value", "0123456789abcdef0123456789abcdef", "url-secret-value"} {
		r := doctor.Run(context.Background(), deps(fmt.Errorf("%w: HTTP 401", docfetch.ErrUnauthorized), secret))
		var text, js bytes.Buffer
		if err := r.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		if err := r.WriteJSON(&js); err != nil {
			t.Fatal(err)
		}
		for _, out := range []string{text.String(), js.String()} {
			if strings.Contains(out, secret) {
				t.Errorf("the report prints %q:\n%s", secret, out)
			}
		}
	}
}

// TestCredentialOutcomes: accepted is ok; refused (ErrUnauthorized) and
// undecided (any other error) both fail, saying which.
func TestCredentialOutcomes(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want doctor.Status
		says string
	}{
		{"accepted", nil, doctor.OK, "accepted"},
		{"refused", fmt.Errorf("%w: HTTP 401", docfetch.ErrUnauthorized), doctor.Fail, docfetch.ErrUnauthorized.Error()},
		{"no answer", errors.New("connection refused"), doctor.Fail, "not checked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := checkNamed(t, doctor.Run(context.Background(), deps(tt.err, "")), "gofax/clinic credentials")
			if c.Status != tt.want || !strings.Contains(c.Detail, tt.says) || c.Provider != fax.GoFax || c.Account != "clinic" {
				t.Errorf("%+v, want %s saying %q", c, tt.want, tt.says)
			}
		})
	}
}

// TestReportJSON: the JSON report's status is the worst check's and its
// counts add up.
func TestReportJSON(t *testing.T) {
	r := doctor.Report{Checks: []doctor.Check{
		{Name: "a", Status: doctor.OK, Detail: "fine"},
		{Name: "b", Status: doctor.Warn, Detail: "hm"},
		{Name: "c", Status: doctor.OK, Detail: "fine", Provider: fax.Sfax, Account: "acme"},
	}}
	var out bytes.Buffer
	if err := r.WriteJSON(&out); err != nil {
		t.Fatal(err)
	}
	var got struct {
		Status         string
		OK, Warn, Fail int
		Checks         []map[string]string
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if got.Status != "warn" || got.OK != 2 || got.Warn != 1 || got.Fail != 0 || len(got.Checks) != 3 {
		t.Errorf("%+v", got)
	}
	if _, ok := got.Checks[0]["account"]; ok || got.Checks[2]["account"] != "acme" || got.Checks[2]["provider"] != "sfax" {
		t.Errorf("account members: %v", got.Checks)
	}
	if r.Err() != nil {
		t.Errorf("Err = %v with a warning alone, want nil", r.Err())
	}
}

// TestClockSkewAgainstTheBroker: a local clock a minute off the broker's
// fails the clock check; in step, it passes.
func TestClockSkewAgainstTheBroker(t *testing.T) {
	srv := streamtest.Start(t)
	cfg := config.Default()
	conn := streamtest.Connect(t, srv, cfg.Streams)
	for _, tt := range []struct {
		name string
		off  time.Duration
		want doctor.Status
	}{
		{"in step", 0, doctor.OK},
		{"a minute fast", time.Minute, doctor.Fail},
		{"a minute slow", -time.Minute, doctor.Fail},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := doctor.Deps{Config: &cfg, Conn: conn, BrokerURL: srv.URL(), Now: func() time.Time { return time.Now().Add(tt.off) }}
			r := doctor.Run(context.Background(), d)
			if c := checkNamed(t, r, "clock"); c.Status != tt.want {
				t.Errorf("clock: %s %q, want %s", c.Status, c.Detail, tt.want)
			}
			if c := checkNamed(t, r, "broker"); c.Status != doctor.OK {
				t.Errorf("broker: %s %q", c.Status, c.Detail)
			}
		})
	}
}
