package docgen

import "bytes"

// packBits appends row to dst compressed with PackBits (TIFF 6.0, section
// 9): a header byte n then n+1 literal bytes (n in 0..127), or 257-n then
// one byte repeated n times (n in 2..128). PDF's RunLengthDecode filter
// reads the same encoding (plus its end-of-data byte, 128), so one encoder
// serves both formats. Each row is packed on its own, as TIFF requires.
func packBits(dst, row []byte) []byte {
	for i := 0; i < len(row); {
		run := 1
		for i+run < len(row) && run < 128 && row[i+run] == row[i] {
			run++
		}
		if run >= 2 {
			dst = append(dst, byte(257-run), row[i])
			i += run
			continue
		}
		j := i + 1
		for j < len(row) && j-i < 128 && !tripleAt(row, j) {
			j++
		}
		dst = append(dst, byte(j-i-1)) //nolint:gosec // G115: j-i is 1..128
		dst = append(dst, row[i:j]...)
		i = j
	}
	return dst
}

// tripleAt reports whether three equal bytes begin at row[j]: a literal
// ends there, since a repeat encodes them shorter.
func tripleAt(row []byte, j int) bool {
	return j+2 < len(row) && row[j] == row[j+1] && row[j] == row[j+2]
}

// packBitmap is every row of b packed with packBits, one after another.
// Most rows of a fax page are white: their packing is made once.
func packBitmap(b *bitmap) []byte {
	white := make([]byte, b.stride)
	whitePacked := packBits(nil, white)
	out := make([]byte, 0, b.h*len(whitePacked))
	for y := range b.h {
		if row := b.row(y); bytes.Equal(row, white) {
			out = append(out, whitePacked...)
		} else {
			out = packBits(out, row)
		}
	}
	return out
}
