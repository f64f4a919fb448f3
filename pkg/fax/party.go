package fax

import (
	"strings"
	"sync"

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
	if strings.TrimSpace(raw) == "" {
		return nil
	}
	if n := e164("+"+strings.TrimSpace(raw), ""); n != "" {
		return &Party{Number: n, Raw: raw}
	}
	return NewParty(raw, region)
}

// e164Cache remembers recent parses: libphonenumber's parse is regexp-heavy,
// and a fax line sends and receives from few numbers. Bounded: it is
// emptied when full.
var e164Cache = struct {
	sync.Mutex
	m map[[2]string]string
}{m: map[[2]string]string{}}

const e164CacheSize = 4096

// e164 returns raw in E.164, or "" when it is not a possible phone number.
// Possible, not valid: test numbers such as +1 555 555 1212 are kept.
func e164(raw, region string) string {
	key := [2]string{raw, region}
	e164Cache.Lock()
	n, ok := e164Cache.m[key]
	e164Cache.Unlock()
	if ok {
		return n
	}
	n = parseE164(raw, region)
	e164Cache.Lock()
	if len(e164Cache.m) >= e164CacheSize {
		clear(e164Cache.m)
	}
	e164Cache.m[key] = n
	e164Cache.Unlock()
	return n
}

func parseE164(raw, region string) string {
	n, err := phonenumbers.Parse(raw, region)
	if err != nil || !phonenumbers.IsPossibleNumber(n) {
		return ""
	}
	return phonenumbers.Format(n, phonenumbers.E164)
}
