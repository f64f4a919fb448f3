package provider_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/config"
	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider"
	"github.com/faxpipe/faxpipe/pkg/provider/providertest"
	"github.com/faxpipe/faxpipe/pkg/provider/telnyx"
)

func TestRegistryCoversEveryProvider(t *testing.T) {
	for _, p := range []fax.Provider{fax.Sfax, fax.GoFax, fax.EFax, telnyx.Name} {
		e, ok := provider.Registry[p]
		if !ok || e.Name() != p || len(e.Callback().Methods) == 0 {
			t.Errorf("registry entry of %s = %+v, want a callback spec under its own name", p, e)
		}
		if _, ok := provider.Callbacks[p]; !ok {
			t.Errorf("Callbacks lacks %s", p)
		}
	}
	if len(provider.Callbacks) != len(provider.Registry) {
		t.Errorf("Callbacks has %d providers, Registry %d", len(provider.Callbacks), len(provider.Registry))
	}
}

// TestSimsMatchTheRegistry: every provider has its simulation, under its
// own name, in the order the simulator has always picked them.
func TestSimsMatchTheRegistry(t *testing.T) {
	var got []fax.Provider
	for _, s := range provider.Sims {
		got = append(got, s.Spec().Name)
		if _, ok := provider.Registry[s.Spec().Name]; !ok {
			t.Errorf("simulation of %s has no registry entry", s.Spec().Name)
		}
	}
	if want := []fax.Provider{fax.Sfax, fax.GoFax, fax.EFax, telnyx.Name}; !slices.Equal(got, want) {
		t.Errorf("Sims are %v, want %v", got, want)
	}
}

func TestAdaptersDispatch(t *testing.T) {
	as, err := provider.NewNormalizers(config.Accounts{}, providertest.Digester(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		raw  fax.RawMessage
		want fax.Reason
	}{
		{name: "no envelope", raw: fax.RawMessage{}, want: fax.ReasonMalformed},
		{name: "unknown provider", raw: fax.RawMessage{Envelope: &fax.Envelope{Provider: "telex", Account: "acme"}}, want: fax.ReasonUnknownProvider},
		{name: "each provider's adapter answers", raw: fax.RawMessage{Envelope: &fax.Envelope{Provider: fax.GoFax, Account: "acme"}}, want: fax.ReasonUnknownAccount},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev, err := as.Normalize(tt.raw)
			if !errors.Is(err, tt.want) || ev.FaxID != "" {
				t.Fatalf("Normalize = %+v, %v; want %s", ev, err, tt.want)
			}
		})
	}
}

func TestNewAdaptersNamesTheFailingProvider(t *testing.T) {
	_, err := provider.NewNormalizers(config.Accounts{}, nil)
	if err == nil {
		t.Fatal("NewNormalizers without a digester succeeded")
	}
	// Every provider needs the digester (eFax for the seal of API
	// envelopes); any may be built first.
	if msg := err.Error(); !strings.HasPrefix(msg, "provider sfax:") && !strings.HasPrefix(msg, "provider gofax:") && !strings.HasPrefix(msg, "provider efax:") && !strings.HasPrefix(msg, "provider telnyx:") {
		t.Errorf("error %q does not name the provider", msg)
	}
}

// TestNormalizersRefuseARepeatedAccount: every provider's normalizer
// refuses two accounts of one id, naming the provider and the id
// (providerdef.Index).
func TestNormalizersRefuseARepeatedAccount(t *testing.T) {
	off := false
	d, err := fax.NewDigester("k1", []byte(strings.Repeat("k", 32)))
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range provider.Registry {
		t.Run(string(name), func(t *testing.T) {
			var accounts config.Accounts
			for range 2 {
				a := p.NewAccount()
				a.ApplyDefaults()
				a.Base().ID, a.Base().Verify = "twice", &off
				accounts = append(accounts, a)
			}
			if _, err := p.NewNormalizer(accounts[:1], d); err != nil {
				t.Fatalf("one account: %v", err)
			}
			_, err := p.NewNormalizer(accounts, d)
			if err == nil || !strings.Contains(err.Error(), string(name)+`: account "twice" configured twice`) {
				t.Errorf("two accounts of one id: %v, want refused naming the provider and the id", err)
			}
		})
	}
}
