package docgen

import (
	"bytes"
	"image"
	"testing"

	"golang.org/x/image/tiff"
)

// unpackBits decodes PackBits (TIFF 6.0 section 9), for the tests.
func unpackBits(src []byte) ([]byte, bool) {
	var out []byte
	for i := 0; i < len(src); {
		n := int(src[i])
		i++
		switch {
		case n < 128:
			if i+n+1 > len(src) {
				return nil, false
			}
			out = append(out, src[i:i+n+1]...)
			i += n + 1
		case n > 128:
			if i >= len(src) {
				return nil, false
			}
			out = append(out, bytes.Repeat(src[i:i+1], 257-n)...)
			i++
		default:
			return out, true // 128: PDF's end of data
		}
	}
	return out, true
}

func TestPackBitsRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		row  []byte
		max  int // encoded size at most
	}{
		{"white row", make([]byte, 216), 4},
		{"one byte", []byte{7}, 2},
		{"two equal", []byte{9, 9}, 2},
		{"literal then run", []byte{1, 2, 3, 4, 4, 4, 4, 4}, 6},
		{"129 literals", seq(129), 131},
		{"run of 300", bytes.Repeat([]byte{0xff}, 300), 6},
		{"pairs", []byte{1, 1, 2, 2, 3, 3}, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc := packBits(nil, tt.row)
			got, ok := unpackBits(enc)
			if !ok || !bytes.Equal(got, tt.row) {
				t.Errorf("round trip of %v gave %v (%v)", tt.row, got, ok)
			}
			if len(enc) > tt.max {
				t.Errorf("encoded in %d bytes, want at most %d", len(enc), tt.max)
			}
		})
	}
}

func seq(n int) []byte {
	out := make([]byte, n)
	for i := range out {
		out[i] = byte(i * 7)
	}
	return out
}

func FuzzPackBits(f *testing.F) {
	f.Add([]byte{1, 2, 3, 3, 3, 3, 0, 0})
	f.Add(bytes.Repeat([]byte{0}, 200))
	f.Fuzz(func(t *testing.T, row []byte) {
		got, ok := unpackBits(packBits(nil, row))
		if !ok || !bytes.Equal(got, row) {
			t.Fatalf("round trip of %v gave %v", row, got)
		}
	})
}

// TestTIFFPagesDecode decodes the first page with golang.org/x/image/tiff
// and compares every dot with the page drawn.
func TestTIFFPagesDecode(t *testing.T) {
	f := Fax{"gofax", "acct", "123456"}
	pages := renderPages(f)
	img, err := tiff.Decode(bytes.NewReader(TIFF(f)))
	if err != nil {
		t.Fatal(err)
	}
	gray, ok := img.(*image.Gray)
	if !ok {
		t.Fatalf("decoded %T, want a gray image", img)
	}
	blacks := 0
	for y := range pageHeight {
		for x := range pageWidth {
			black := pages[0].row(y)[x/8]&(0x80>>(x%8)) != 0
			if black != (gray.GrayAt(x, y).Y == 0) {
				t.Fatalf("dot (%d,%d): drawn black %v, decoded %d", x, y, black, gray.GrayAt(x, y).Y)
			}
			if black {
				blacks++
			}
		}
	}
	if blacks < 10000 {
		t.Errorf("only %d black dots: the page has no text", blacks)
	}
}
