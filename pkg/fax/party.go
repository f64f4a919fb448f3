package fax

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Party is one end of a fax or message: the number as the provider wrote it
// and, when it parses as a possible phone number, its E.164 form.
type Party struct {
	Number string `json:"number,omitempty"` // E.164, e.g. +15555551212
	Raw    string `json:"raw"`
}

// NewParty returns the party whose number the provider wrote as raw, read
// as a number of region (ISO 3166 code, e.g. "US") unless it starts with
// '+'. It returns nil for an empty raw, and a Party without Number when raw
// is not a possible phone number.
func NewParty(raw, region string) *Party {
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	return &Party{Number: e164(raw, region), Raw: raw}
}

// NewIntlParty is NewParty for providers that write international numbers
// without the leading '+' (61712344321): raw is read as international
// first, and as a number of region when that is not a possible number
// (0311223344, a national number).
func NewIntlParty(raw, region string) *Party {
	p := NewParty(raw, region)
	if p == nil {
		return nil
	}
	if n := e164("+"+strings.TrimSpace(raw), ""); n != "" {
		p.Number = n
	}
	return p
}

// e164 returns raw in E.164, or "" when it is not a possible phone number.
// Possible, not valid: test numbers such as +1 555 555 1212 are kept.
func e164(raw, region string) string {
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}
