package gofax_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestForgeriesAreRejected(t *testing.T) {
	onlyBasic := account(true)
	onlyBasic.URLSecret = gofax.URLSecret{}
	tests := []struct {
		name    string
		fixture string
		edit    func(*providertest.Request)
		acc     gofax.Account
		want    fax.Reason
	}{
		{name: "wrong Basic password", fixture: "sms_sent", edit: func(r *providertest.Request) {
			r.Headers["Authorization"] = []string{basic(basicUser, "guess")}
		}, want: fax.ReasonCredentialsMismatch},
		{name: "wrong Basic user", fixture: "sms_sent", edit: func(r *providertest.Request) {
			r.Headers["Authorization"] = []string{basic("mallory", basicPass)}
		}, want: fax.ReasonCredentialsMismatch},
		{name: "Bearer instead of Basic", fixture: "sms_sent", edit: func(r *providertest.Request) {
			r.Headers["Authorization"] = []string{"Bearer " + basicPass}
		}, want: fax.ReasonCredentialsMismatch},
		{name: "two Authorization headers", fixture: "sms_sent", edit: func(r *providertest.Request) {
			r.Headers["Authorization"] = []string{basic(basicUser, basicPass), basic(basicUser, basicPass)}
		}, want: fax.ReasonCredentialsMismatch},
		{name: "wrong URL secret", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Query = strings.Replace(r.Query, secretValue, "guess", 1)
		}, want: fax.ReasonCredentialsMismatch},
		{name: "URL secret in another parameter", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Query = strings.Replace(r.Query, "secret=", "token=", 1)
		}, want: fax.ReasonCredentialsMismatch},
		{name: "right URL secret, wrong Basic", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Headers["Authorization"] = []string{basic(basicUser, "guess")}
		}, want: fax.ReasonCredentialsMismatch},
		{name: "no credentials", fixture: "received_complete", edit: func(r *providertest.Request) {
			r.Query = ""
		}, want: fax.ReasonCredentialsMismatch},
		{name: "URL secret when only Basic is configured", fixture: "fax_sent", acc: onlyBasic, want: fax.ReasonCredentialsMismatch},
		{name: "URL secret sent twice, differently", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Query += "&secret=guess"
		}, want: fax.ReasonCredentialsMismatch},
		{name: "unknown event parameter", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Query = strings.Replace(r.Query, "event=fax_sent", "event=fax_queued", 1)
		}, want: fax.ReasonUnknownEvent},
		{name: "sent without ID", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Body = strings.Replace(r.Body, "ID=41340078&", "", 1)
		}, want: fax.ReasonMalformed},
		{name: "sent with an unknown Success", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Body = strings.Replace(r.Body, "Success=True", "Success=Maybe", 1)
		}, want: fax.ReasonMalformed},
		{name: "received with an empty FaxID", fixture: "received_complete", edit: func(r *providertest.Request) {
			r.Body = strings.Replace(r.Body, "FaxID=4851543", "FaxID=", 1)
		}, want: fax.ReasonMalformed},
		{name: "FaxID in body and query, differently", fixture: "received_complete", edit: func(r *providertest.Request) {
			r.Query += "&FaxID=1"
		}, want: fax.ReasonMalformed},
		{name: "unknown account", fixture: "fax_sent", edit: func(r *providertest.Request) {
			r.Account = "globex"
		}, want: fax.ReasonUnknownAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := request(t, tt.fixture)
			if tt.edit != nil {
				tt.edit(&r)
			}
			acc := tt.acc
			if acc.ID == "" {
				acc = account(true)
			}
			rm := raw(t, r)
			a := newAdapter(t, acc)
			ev, err := a.Normalize(rm)
			providertest.CheckRejected(t, rm, ev, err, tt.want)
			// The ingress's check agrees: a forgery stops there.
			providertest.CheckVerify(t, a, rm, false)
		})
	}
}

func TestAuthorizationIgnoredWithoutBasicAuth(t *testing.T) {
	onlyURL := account(true)
	onlyURL.BasicAuth = gofax.BasicAuth{}
	r := request(t, "fax_sent")
	r.Headers["Authorization"] = []string{"Bearer some-proxy-token"}
	if _, err := newAdapter(t, onlyURL).Normalize(raw(t, r)); err != nil {
		t.Fatalf("Normalize: %v", err)
	}
}

func TestVerificationOffStillNormalizes(t *testing.T) {
	r := request(t, "fax_sent")
	r.Query = strings.Replace(r.Query, secretValue, "guess", 1)
	ev, err := newAdapter(t, account(false)).Normalize(raw(t, r))
	if err != nil {
		t.Fatalf("Normalize: %v", err)
	}
	if ev.FaxID != "41340078" {
		t.Errorf("fax_id = %q", ev.FaxID)
	}
	if _, ok := ev.ProviderFields[secretParam]; ok {
		t.Error("the URL secret reached provider_fields")
	}
}

func TestNewAdapterRefusesAccountsThatCannotVerify(t *testing.T) {
	noPassword := account(true)
	noPassword.BasicAuth.Password = config.Secret{}
	noValue := account(true)
	noValue.URLSecret.Value = config.Secret{}
	none := account(true)
	none.BasicAuth, none.URLSecret = gofax.BasicAuth{}, gofax.URLSecret{}
	tests := []struct {
		name     string
		accounts []gofax.Account
	}{
		{name: "repeated id", accounts: []gofax.Account{account(true), account(true)}},
		{name: "Basic user without password", accounts: []gofax.Account{noPassword}},
		{name: "URL secret without value", accounts: []gofax.Account{noValue}},
		{name: "no credential at all", accounts: []gofax.Account{none}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := gofax.NewNormalizer(tt.accounts, providertest.Digester(t)); err == nil {
				t.Fatal("NewNormalizer succeeded")
			}
		})
	}
	unverified := none
	unverified.Verify = new(bool)
	if _, err := gofax.NewNormalizer([]gofax.Account{unverified}, providertest.Digester(t)); err != nil {
		t.Errorf("NewNormalizer of an unverified account without credentials: %v", err)
	}
}
