package providertest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
)

// LoadAccountsFor loads `accounts.<provider>: [accountYAML]` as a process
// of uses does (config.LoadFor): the secrets it does not use are withheld.
// A is the provider's account type.
func LoadAccountsFor[A any, P interface {
	*A
	config.ProviderAccount
}](t *testing.T, accountYAML string, uses config.Uses) []A {
	t.Helper()
	zero := P(new(A))
	path := filepath.Join(t.TempDir(), "faxpipe.yaml")
	doc := "pipeline: {key: {value: \"0123456789abcdef0123456789abcdef\"}}\naccounts:\n  " +
		string(zero.Provider()) + ": [" + accountYAML + "]\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.LoadFor(path, func(string) string { return "" }, config.AccountTypes{zero}, uses)
	if err != nil {
		t.Fatal(err)
	}
	return config.AccountsOf[A, P](cfg.Accounts)
}
