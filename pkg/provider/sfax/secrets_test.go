package sfax_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
)

// loadFor loads accounts.sfax as a process of uses does.
func loadFor(t *testing.T, accountYAML string, uses config.Uses) []sfax.Account {
	t.Helper()
	return providertest.LoadAccountsFor[sfax.Account](t, accountYAML, uses)
}

const sfaxAccount = `{id: acme, username: u, api_key: {value: 5787A4EDBCDE46F9D6D2E067AC7097DC},
  encryption_key: {value: 0123456789abcdef0123456789abcdef}, init_vector: {value: fedcba9876543210}}`

// TestAPIClientsRefuseWithheldCredentials: every API call carries a token
// made of all three secrets, so every service loads them; a process that
// uses none of them (tail) builds no document client or lister with them.
func TestAPIClientsRefuseWithheldCredentials(t *testing.T) {
	opts := docfetch.Options{HTTP: &http.Client{}} // never called: only constructors run
	for _, uses := range []config.Uses{config.UseDownloader, config.UseReconciler, config.UseIngress, config.UseProcessor} {
		acc := loadFor(t, sfaxAccount, uses)
		if _, err := sfax.NewDocumentClient(acc, opts); err != nil {
			t.Errorf("document client with the secrets of %s: %v", uses, err)
		}
		if _, err := sfax.NewLister(acc, opts); err != nil {
			t.Errorf("lister with the secrets of %s: %v", uses, err)
		}
	}
	acc := loadFor(t, sfaxAccount, config.UseNATS)
	for name, build := range map[string]func() error{
		"document client": func() error { _, err := sfax.NewDocumentClient(acc, opts); return err },
		"lister":          func() error { _, err := sfax.NewLister(acc, opts); return err },
		"normalizer":      func() error { _, err := sfax.NewNormalizer(acc, providertest.Digester(t)); return err },
	} {
		err := build()
		if err == nil {
			t.Errorf("%s built without the account's secrets", name)
			continue
		}
		if name != "normalizer" && !strings.Contains(err.Error(), `sfax account "acme": api_key was not loaded`) {
			t.Errorf("%s: %v, want the withheld api_key named", name, err)
		}
	}
}
