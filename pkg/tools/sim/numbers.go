package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// Phone is a number as a provider's simulation writes it, in its parts,
// and as faxpipe should normalize it (E164).
type Phone struct {
	Country  string // calling code: "1", "61"
	National string // digits of the national significant number
}

// E164 is the number in E.164: +{Country}{National}.
func (p Phone) E164() string { return "+" + p.Country + p.National }

// Intl is the number in international form without '+', as several
// providers write it.
func (p Phone) Intl() string { return p.Country + p.National }

// usAreaCodes are real North American area codes, so numbers look real
// without being any particular one (the line digits are random).
var usAreaCodes = []string{"201", "212", "213", "305", "312", "404", "415", "503", "512", "602",
	"617", "646", "702", "713", "718", "720", "805", "818", "858", "916", "919", "949"}

// USPhone is a random North American number drawn from rng: NPA, an
// exchange that does not start with 0 or 1, four line digits.
func USPhone(rng *rand.Rand) Phone {
	npa := usAreaCodes[rng.IntN(len(usAreaCodes))]
	return Phone{Country: "1", National: npa + strconv.Itoa(200+rng.IntN(800)) + Digits(rng, 4)}
}

// Digits is n random decimal digits drawn from rng.
func Digits(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteByte("0123456789"[rng.IntN(10)])
	}
	return b.String()
}

// AccountRand is a generator seeded by the account alone (provider p,
// account id, and what is drawn): an account's own fax lines, users and
// the like are the same in every run and instance.
func AccountRand(p fax.Provider, account, what string) *rand.Rand {
	d := sha256.Sum256([]byte("faxpipe-sim/account/v1\x00" + string(p) + "\x00" + account + "\x00" + what))
	return rand.New(rand.NewPCG( //nolint:gosec // G404: reproducible simulation data, not secrets
		binary.BigEndian.Uint64(d[:8]), binary.BigEndian.Uint64(d[8:16])))
}

// accountLines are an account's own three fax numbers, drawn by line.
func accountLines(p fax.Provider, account string, line func(*rand.Rand) Phone) []Phone {
	rng := AccountRand(p, account, "lines")
	return []Phone{line(rng), line(rng), line(rng)}
}
