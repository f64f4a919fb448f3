package fax_test

import (
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

func TestNewParty(t *testing.T) {
	tests := []struct {
		name       string
		raw        string
		intl       bool
		region     string
		wantNil    bool
		wantNumber string
	}{
		{name: "sfax dashed", raw: "1-5555551212", region: "US", wantNumber: "+15555551212"},
		{name: "sfax ten digits", raw: "5555551212", region: "US", wantNumber: "+15555551212"},
		{name: "already E.164", raw: "+61712344321", region: "US", wantNumber: "+61712344321"},
		{name: "gofax international", raw: "61712344321", intl: true, region: "AU", wantNumber: "+61712344321"},
		{name: "gofax national", raw: "0311223344", intl: true, region: "AU", wantNumber: "+61311223344"},
		{name: "efax US in AU account", raw: "13235555555", intl: true, region: "AU", wantNumber: "+13235555555"},
		{name: "efax international", raw: "13235555555", intl: true, region: "US", wantNumber: "+13235555555"},
		{name: "with plus, intl", raw: "+61412121212", intl: true, region: "AU", wantNumber: "+61412121212"},
		{name: "a name", raw: "ACME LAB", region: "US"},
		{name: "too short", raw: "12", intl: true, region: "US"},
		{name: "empty", raw: "", region: "US", wantNil: true},
		{name: "blank", raw: "  ", intl: true, region: "US", wantNil: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p *fax.Party
			if tt.intl {
				p = fax.NewIntlParty(tt.raw, tt.region)
			} else {
				p = fax.NewParty(tt.raw, tt.region)
			}
			if tt.wantNil {
				if p != nil {
					t.Fatalf("party = %+v, want nil", p)
				}
				return
			}
			if p == nil || p.Number != tt.wantNumber || p.Raw != tt.raw {
				t.Errorf("party = %+v, want number %q raw %q", p, tt.wantNumber, tt.raw)
			}
		})
	}
}
