package gofax_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// loadFor loads accounts.gofax as a process of uses does.
func loadFor(t *testing.T, accountYAML string, uses config.Uses) []gofax.Account {
	t.Helper()
	return providertest.LoadAccountsFor[gofax.Account](t, accountYAML, uses)
}

const gofaxAccount = `{id: acme, basic_auth: {username: u, password: {value: p}}, api_token: {value: t}}`

// TestClientsRefuseWithheldSecrets: the downloader loads the API token and
// not the callback password, the ingress the reverse; each constructor
// refuses the account whose secret it needs was withheld.
func TestClientsRefuseWithheldSecrets(t *testing.T) {
	opts := docfetch.Options{HTTP: &http.Client{}} // never called: only constructors run
	downloader := loadFor(t, gofaxAccount, config.UseDownloader)
	if _, err := gofax.NewDocumentClient(downloader, opts); err != nil {
		t.Errorf("document client in the downloader: %v", err)
	}
	if _, err := gofax.NewNormalizer(downloader, providertest.Digester(t)); err == nil || !strings.Contains(err.Error(), "without a password") {
		t.Errorf("normalizer in the downloader: %v, want it refused for the missing password", err)
	}
	ingress := loadFor(t, gofaxAccount, config.UseIngress)
	if _, err := gofax.NewNormalizer(ingress, providertest.Digester(t)); err != nil {
		t.Errorf("normalizer with the ingress's secrets: %v", err)
	}
	_, err := gofax.NewDocumentClient(ingress, opts)
	if err == nil || !strings.Contains(err.Error(), `gofax account "acme": api_token was not loaded`) {
		t.Errorf("document client in the ingress: %v, want the withheld api_token named", err)
	}
	// GoFax has no listing API: the reconciler does not load its token.
	if _, err := gofax.NewDocumentClient(loadFor(t, gofaxAccount, config.UseReconciler), opts); err == nil {
		t.Error("document client built with the reconciler's secrets")
	}
}
