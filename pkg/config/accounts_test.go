package config_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
	"github.com/faxpipe/faxpipe/pkg/provider/gofax"
	"github.com/faxpipe/faxpipe/pkg/provider/sfax"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
)

// accountTypes are the providers' account types, as the registry gives
// them to config.Load in faxpipe.
var accountTypes = provider.AccountTypes()

// accountsOf returns the accounts of type P among a, pointing into a.
func accountsOf[P config.ProviderAccount](a config.Accounts) []P {
	var out []P
	for _, acc := range a {
		if p, ok := acc.(P); ok {
			out = append(out, p)
		}
	}
	return out
}

func sfaxes(a config.Accounts) []*sfax.Account   { return accountsOf[*sfax.Account](a) }
func gofaxes(a config.Accounts) []*gofax.Account { return accountsOf[*gofax.Account](a) }
func efaxes(a config.Accounts) []*efax.Account   { return accountsOf[*efax.Account](a) }
func telnyxes(a config.Accounts) []*telnyx.Account {
	return accountsOf[*telnyx.Account](a)
}

func TestLoadRejectsUnknownProvider(t *testing.T) {
	path := writeConfig(t, "pipeline: {key: {value: \""+testKey+"\"}}\naccounts: {telex: [{id: t}]}\n")
	_, err := config.Load(path, env(nil), accountTypes)
	if got, want := fieldErrors(err), []string{"accounts.telex"}; !slices.Equal(got, want) {
		t.Errorf("Load error %v names fields %q, want %q", err, got, want)
	}
}

func TestLoadKeepsTheFileOrderOfProviders(t *testing.T) {
	path := writeConfig(t, "pipeline: {key: {value: \""+testKey+"\"}}\naccounts:\n  efax: [{id: e, hmac_secret: {value: h}}]\n  gofax: [{id: g, verify: false}]\n")
	cfg, err := config.Load(path, env(nil), accountTypes)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(cfg.Accounts), "[efax/e gofax/g]"; got != want {
		t.Errorf("accounts %s, want %s", got, want)
	}
}

func TestLoadRejectsAnEmptyAccount(t *testing.T) {
	path := writeConfig(t, "pipeline: {key: {value: \""+testKey+"\"}}\naccounts: {efax: [null]}\n")
	_, err := config.Load(path, env(nil), accountTypes)
	if got, want := fieldErrors(err), []string{"accounts.efax[0]"}; !slices.Equal(got, want) {
		t.Errorf("Load error %v names fields %q, want %q", err, got, want)
	}
}
