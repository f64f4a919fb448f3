package efax_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/provider/efax"
)

// loadAccounts loads a configuration whose accounts.efax is efaxYAML and
// returns the fields its errors name.
func loadAccounts(t *testing.T, efaxYAML string) (*config.Config, []string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "faxpipe.yaml")
	doc := "pipeline: {key: {value: \"0123456789abcdef0123456789abcdef\"}}\naccounts:\n  efax: " + efaxYAML + "\n"
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, func(string) string { return "" }, config.AccountTypes{new(efax.Account)})
	var fields []string
	var walk func(error)
	walk = func(err error) { // each error of the join Validate returns
		switch e := err.(type) { //nolint:errorlint // walking the tree itself
		case interface{ Unwrap() []error }:
			for _, e := range e.Unwrap() {
				walk(e)
			}
		case *config.FieldError:
			fields = append(fields, e.Field)
		default:
			if u := errors.Unwrap(err); u != nil {
				walk(u)
			}
		}
	}
	walk(err)
	return cfg, fields
}

func TestAccountUserIDs(t *testing.T) {
	cfg, fields := loadAccounts(t, `[{id: e, hmac_secret: {value: h}, user_ids: [u1, "2f8e4d6a-user"]}]`)
	if len(fields) != 0 {
		t.Fatalf("errors at %v", fields)
	}
	if got := config.AccountsOf[efax.Account](cfg.Accounts)[0].UserIDs; !slices.Equal(got, []string{"u1", "2f8e4d6a-user"}) {
		t.Errorf("user_ids %q", got)
	}
	_, fields = loadAccounts(t, `[{id: e, hmac_secret: {value: h}, user_ids: [u1, "", "u 2", "u\t3", u1, ok]}]`)
	want := []string{"accounts.efax[0].user_ids[1]", "accounts.efax[0].user_ids[2]", "accounts.efax[0].user_ids[3]", "accounts.efax[0].user_ids[4]"}
	if !slices.Equal(fields, want) {
		t.Errorf("errors at %v, want %v", fields, want)
	}
}
