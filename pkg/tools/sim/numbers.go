package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// phone is a number as the simulator writes it and as faxpipe should
// normalize it. Sfax and eFax are US services, GoFax Australian.
type phone struct {
	national string // digits of the national significant number
	country  string // calling code: "1" or "61"
}

// E164 is the number in E.164: +{country}{national}.
func (p phone) E164() string { return "+" + p.country + p.national }

// intl is the number as GoFax and eFax write it: E.164 without '+'.
func (p phone) intl() string { return p.country + p.national }

// trunk is the number with the national trunk prefix, as Australians
// write it (0311223344).
func (p phone) trunk() string { return "0" + p.national }

// sfax is the number as Sfax writes it: 1-5555551212.
func (p phone) sfax() string { return p.country + "-" + p.national }

// usAreaCodes are real North American area codes, so numbers look real
// without being any particular one (the line digits are random).
var usAreaCodes = []string{"201", "212", "213", "305", "312", "404", "415", "503", "512", "602",
	"617", "646", "702", "713", "718", "720", "805", "818", "858", "916", "919", "949"}

// usPhone is a random North American number: NPA, an exchange that does
// not start with 0 or 1, four line digits.
func usPhone(rng *rand.Rand) phone {
	npa := usAreaCodes[rng.IntN(len(usAreaCodes))]
	return phone{country: "1", national: npa + strconv.Itoa(200+rng.IntN(800)) + digits(rng, 4)}
}

// auPhone is a random Australian geographic number (area 2, 3, 7 or 8).
func auPhone(rng *rand.Rand) phone {
	return phone{country: "61", national: string("2378"[rng.IntN(4)]) + digits(rng, 8)}
}

// auMobile is a random Australian mobile number (4xx xxx xxx).
func auMobile(rng *rand.Rand) phone {
	return phone{country: "61", national: "4" + digits(rng, 8)}
}

// digits is n random decimal digits.
func digits(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte("0123456789"[rng.IntN(10)])
	}
	return b.String()
}

// accountRand is a generator seeded by the account alone: an account's
// own fax lines and users are the same in every run and instance.
func accountRand(p fax.Provider, account, what string) *rand.Rand {
	d := sha256.Sum256([]byte("faxpipe-sim/account/v1\x00" + string(p) + "\x00" + account + "\x00" + what))
	return rand.New(rand.NewPCG( //nolint:gosec // G404: reproducible simulation data, not secrets
		binary.BigEndian.Uint64(d[:8]), binary.BigEndian.Uint64(d[8:16])))
}

// accountLines are an account's own three fax numbers.
func accountLines(p fax.Provider, account string) []phone {
	rng := accountRand(p, account, "lines")
	gen := usPhone
	if p == fax.GoFax {
		gen = auPhone
	}
	return []phone{gen(rng), gen(rng), gen(rng)}
}

// stationIDs are what fax machines put in their CSID/TSID.
var stationIDs = []string{"ACME CLINIC", "Riverside Medical", "Dr Patel Office", "COUNTY LAB", "Front Desk",
	"St Mary Radiology", "Northside Pharmacy", "BILLING"}
