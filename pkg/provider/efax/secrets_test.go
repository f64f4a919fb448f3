package efax_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
)

// loadFor loads accounts.efax as a process of uses does.
func loadFor(t *testing.T, accountYAML string, uses config.Uses) []efax.Account {
	t.Helper()
	return providertest.LoadAccountsFor[efax.Account](t, accountYAML, uses)
}

const efaxAccount = `{id: acme, app_id: app, api_key: {value: k}, hmac_secret: {value: h}}`

// TestClientsRefuseWithheldSecrets: the downloader loads the API key and
// not the HMAC secret, the ingress the reverse; each constructor refuses
// the account whose secret it needs was withheld.
func TestClientsRefuseWithheldSecrets(t *testing.T) {
	opts := docfetch.Options{HTTP: &http.Client{}} // never called: only constructors run
	downloader := loadFor(t, efaxAccount, config.UseDownloader)
	if _, err := efax.NewDocumentClient(downloader, opts); err != nil {
		t.Errorf("document client in the downloader: %v", err)
	}
	if _, err := efax.NewNormalizer(downloader, providertest.Digester(t)); err == nil || !strings.Contains(err.Error(), "no HMAC secret") {
		t.Errorf("normalizer in the downloader: %v, want it refused for the missing HMAC secret", err)
	}
	reconciler := loadFor(t, efaxAccount, config.UseReconciler)
	if _, err := efax.NewLister(reconciler, opts); err != nil {
		t.Errorf("lister in the reconciler: %v", err)
	}
	ingress := loadFor(t, efaxAccount, config.UseIngress)
	if _, err := efax.NewNormalizer(ingress, providertest.Digester(t)); err != nil {
		t.Errorf("normalizer with the ingress's secrets: %v", err)
	}
	for name, build := range map[string]func() error{
		"document client": func() error { _, err := efax.NewDocumentClient(ingress, opts); return err },
		"lister":          func() error { _, err := efax.NewLister(ingress, opts); return err },
	} {
		if err := build(); err == nil || !strings.Contains(err.Error(), `efax account "acme": api_key was not loaded`) {
			t.Errorf("%s in the ingress: %v, want the withheld api_key named", name, err)
		}
	}
}
