package docgen

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
)

// words make the body text of simulated pages.
var words = strings.Fields(`patient referral report results order please review attached signed
date of birth provider clinic laboratory imaging request authorization urgent routine follow up
consultation summary medication history allergies none known insurance policy number page notes
discharge admission plan assessment diagnosis procedure scheduled confirm receipt thank you`)

// Layout of a page, in dots (a dot is 1/204 in across, 1/98 in down).
const (
	marginX       = 96
	marginY       = 48
	bodyLineStep  = 19
	maxBodyLines  = 18
	bodyLineChars = 96
)

// renderPages draws f's pages: a header naming the simulator, the fax
// and the page, body text drawn from f's seed, and a footer. The result
// depends on f only, never on a clock or on state.
func renderPages(f Fax) []*bitmap {
	n := f.Pages()
	d := f.Seed()
	out := make([]*bitmap, n)
	for i := range out {
		//nolint:gosec // G404: page text is drawn from the fax's seed, on purpose
		rng := rand.New(rand.NewPCG(binary.BigEndian.Uint64(d[16:24]), binary.BigEndian.Uint64(d[24:])+uint64(i)))
		out[i] = renderPage(f, i+1, n, rng)
	}
	return out
}

func renderPage(f Fax, page, pages int, rng *rand.Rand) *bitmap {
	b := newBitmap(pageWidth, pageHeight)
	y := marginY
	y += b.text(marginX, y, "FAXPIPE SIMULATOR", 4, 2) + 12
	y += b.text(marginX, y, fmt.Sprintf("%s/%s  fax %s", f.Provider, f.Account, f.ID), 2, 1) + 8
	b.fill(marginX, y, pageWidth-marginX, y+3)
	y += 20
	lines := maxBodyLines
	if page == pages {
		lines = 4 + int(rng.Uint64()%uint64(maxBodyLines-4))
	}
	for range lines {
		b.text(marginX, y, bodyLine(rng), 2, 1)
		y += bodyLineStep
	}
	footer := fmt.Sprintf("page %d of %d", page, pages)
	b.text(pageWidth-marginX-len(footer)*14, pageHeight-marginY-13, footer, 2, 1)
	return b
}

// bodyLine is up to bodyLineChars characters of words drawn by rng.
func bodyLine(rng *rand.Rand) string {
	var sb strings.Builder
	for {
		w := words[rng.Uint64()%uint64(len(words))]
		if sb.Len()+1+len(w) > bodyLineChars {
			return sb.String()
		}
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(w)
	}
}
