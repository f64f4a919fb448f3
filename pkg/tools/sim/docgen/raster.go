package docgen

import (
	"image"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// A page is a standard-resolution fax page: 1728 dots across 8.5 inches
// (204 dpi) and 1078 lines down 11 inches (98 lpi), one bit per dot.
const (
	pageWidth  = 1728
	pageHeight = 1078
	pageXDPI   = 204
	pageYDPI   = 98
)

// bitmap is a one-bit image, rows of packed bits, most significant bit
// first, 1 black: the sample layout of a bilevel TIFF read as WhiteIsZero.
type bitmap struct {
	w, h, stride int
	bits         []byte
}

func newBitmap(w, h int) *bitmap {
	stride := (w + 7) / 8
	return &bitmap{w: w, h: h, stride: stride, bits: make([]byte, stride*h)}
}

// row returns row y of b's bits.
func (b *bitmap) row(y int) []byte { return b.bits[y*b.stride : (y+1)*b.stride] }

// set blackens the dot at (x, y), if inside b.
func (b *bitmap) set(x, y int) {
	if x >= 0 && y >= 0 && x < b.w && y < b.h {
		b.bits[y*b.stride+x/8] |= 0x80 >> (x % 8)
	}
}

// fill blackens the rectangle [x0, x1) × [y0, y1).
func (b *bitmap) fill(x0, y0, x1, y1 int) {
	for y := y0; y < y1; y++ {
		for x := x0; x < x1; x++ {
			b.set(x, y)
		}
	}
}

// text draws s with its top-left corner at (x, y) in the 7×13 X11 fixed
// font, each font dot drawn as sx × sy page dots (fax dots are twice as
// tall as they are wide, so sx = 2·sy keeps letters in proportion; sx is
// at most 9). Characters outside printable ASCII are drawn as '?'. It
// returns the height drawn.
func (b *bitmap) text(x, y int, s string, sx, sy int) int {
	glyphs := glyphTable()
	for gy := range glyphHeight {
		py := y + gy*sy
		if py < 0 || py+sy > b.h {
			continue
		}
		row := b.row(py)
		for i, r := range []byte(s) {
			if r < ' ' || r > '~' {
				r = '?'
			}
			if bits := glyphs[r-' '][gy]; bits != 0 { //nolint:gosec // G602: r is printable ASCII, gy < glyphHeight
				orBits(row, x+i*glyphWidth*sx, widened(bits, sx), glyphWidth*sx)
			}
		}
		for dy := 1; dy < sy; dy++ {
			copy(b.row(py+dy), row)
		}
	}
	return glyphHeight * sy
}

// widenedRows caches widen for the scales pages use.
var widenedRows = sync.OnceValue(func() *[5][128]uint64 {
	t := new([5][128]uint64)
	for sx := range t {
		for bits := range t[sx] {
			t[sx][bits] = widen(uint8(bits), sx) //nolint:gosec // G115: bits < 128
		}
	}
	return t
})

// widened is widen(bits, sx), from the cache when sx is small.
func widened(bits uint8, sx int) uint64 {
	if sx < 5 {
		return widenedRows()[sx][bits&0x7f]
	}
	return widen(bits, sx)
}

// widen makes each of the 7 bits of a glyph row sx bits (bit 6 first).
func widen(bits uint8, sx int) uint64 {
	var out uint64
	for gx := range glyphWidth {
		out <<= sx
		if bits&(0x40>>gx) != 0 {
			out |= 1<<sx - 1
		}
	}
	return out
}

// orBits ORs the n-bit pattern (n <= 56, its first bit the most
// significant) into row at bit x, dropping what falls outside the row.
func orBits(row []byte, x int, pattern uint64, n int) {
	if x < 0 {
		return
	}
	v := pattern << (64 - n) >> (x % 8)
	for k := 0; k*8 < x%8+n; k++ {
		if i := x/8 + k; i < len(row) {
			row[i] |= byte(v >> (56 - 8*k)) //nolint:gosec // G115: the byte of v wanted
		}
	}
}

// The font's glyph cell.
const (
	glyphWidth  = 7
	glyphHeight = 13
)

// glyphTable is the rows of each printable ASCII glyph of the font, drawn
// once with golang.org/x/image/font.
var glyphTable = sync.OnceValue(func() *[95][glyphHeight]uint8 {
	t := new([95][glyphHeight]uint8)
	face := basicfont.Face7x13
	for r := ' '; r <= '~'; r++ {
		img := image.NewAlpha(image.Rect(0, 0, glyphWidth, glyphHeight))
		d := font.Drawer{Dst: img, Src: image.Opaque, Face: face, Dot: fixed.P(0, face.Ascent)}
		d.DrawString(string(r))
		for gy := range glyphHeight {
			for gx := range glyphWidth {
				if img.AlphaAt(gx, gy).A >= 0x80 {
					t[r-' '][gy] |= 0x40 >> gx
				}
			}
		}
	}
	return t
})
