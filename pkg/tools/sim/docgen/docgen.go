// Package docgen draws the documents of simulated faxes: bilevel fax pages
// (a header naming the fax, body text, a page footer) encoded as a PDF or
// a multi-page TIFF. A document is a pure function of the fax it belongs
// to — no clock, no state — so any simulator instance, in any build,
// serves the same bytes for the same fax.
package docgen

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
)

// Fax names the fax a document is drawn for. Everything about the
// document — its page count, its text, its bytes — follows from the name.
type Fax struct {
	Provider string // the provider's name (sfax, gofax, …)
	Account  string
	ID       string // the provider's fax id
}

// Seed is the hash every property of f's document is drawn from. Bytes
// 0–7 draw the page count and 16–31 the text; the others are free for a
// caller to draw more properties of the fax from (the simulator draws a
// GoFax fax's format from byte 8).
func (f Fax) Seed() [32]byte {
	return sha256.Sum256([]byte("faxpipe-sim/document/v1\x00" + f.Provider + "\x00" + f.Account + "\x00" + f.ID))
}

// pageWeights is the page count distribution of faxes: weight of 1, 2, …
// pages. Most faxes are short.
var pageWeights = []uint64{30, 25, 15, 10, 8, 5, 4, 3}

// Pages is how many pages f's document has, 1 to 8, most faxes short; a
// fax's callback announces this count.
func (f Fax) Pages() int {
	d := f.Seed()
	var total uint64
	for _, w := range pageWeights {
		total += w
	}
	r := binary.BigEndian.Uint64(d[:8]) % total
	for i, w := range pageWeights {
		if r < w {
			return i + 1
		}
		r -= w
	}
	return len(pageWeights)
}

// PDF is f's document as a PDF 1.4 file of Pages() pages, each one
// bilevel image covering a Letter page; the same f always gives the same
// bytes.
func PDF(f Fax) []byte {
	return writePDF(renderPages(f), fmt.Sprintf("%s/%s fax %s", f.Provider, f.Account, f.ID))
}

// TIFF is f's document as a little-endian, multi-page bilevel TIFF
// (PackBits, one strip a page) of Pages() pages; the same f always gives
// the same bytes.
func TIFF(f Fax) []byte {
	return writeTIFF(renderPages(f))
}
