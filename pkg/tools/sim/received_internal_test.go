package sim

import (
	"slices"
	"strconv"
	"testing"
	"time"
)

// TestReceivedStoreKeepsTheLatest: past its limit the store forgets the
// oldest faxes first, and lists the rest by provider, account and window
// in the order generated.
func TestReceivedStoreKeepsTheLatest(t *testing.T) {
	s := newReceivedStore(3)
	base := time.Date(2026, 11, 22, 21, 0, 0, 0, time.UTC)
	for i := range 5 {
		account := "a"
		if i == 3 {
			account = "b"
		}
		s.add(Fax{Seq: i + 1, Provider: "p", Account: account, FaxID: strconv.Itoa(i + 1), CompletedAt: base.Add(time.Duration(i) * time.Second)}, i+1)
	}
	ids := func(account string, from, to time.Time) []string {
		var out []string
		for _, r := range s.of("p", account, from, to) {
			if r.listed != r.fax.Seq {
				t.Errorf("fax %s kept with %v, want %d", r.fax.FaxID, r.listed, r.fax.Seq)
			}
			out = append(out, r.fax.FaxID)
		}
		return out
	}
	end := base.Add(time.Hour)
	for _, tt := range []struct {
		account  string
		from, to time.Time
		want     []string
	}{
		{"a", base, end, []string{"3", "5"}}, // 1 and 2 forgotten
		{"b", base, end, []string{"4"}},
		{"a", base.Add(2 * time.Second), base.Add(4 * time.Second), []string{"3"}},
		{"a", base.Add(4 * time.Second), end, []string{"5"}},
		{"c", base, end, nil},
	} {
		if got := ids(tt.account, tt.from, tt.to); !slices.Equal(got, tt.want) {
			t.Errorf("%s [%v, %v): %v, want %v", tt.account, tt.from, tt.to, got, tt.want)
		}
	}
	if got := s.of("q", "a", base, end); len(got) != 0 {
		t.Errorf("another provider's listing: %d faxes, want none", len(got))
	}
}
