package sim

import (
	"bytes"
	"image"
	"math/rand/v2"
	"testing"

	"golang.org/x/image/tiff"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
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
	k := docKey{fax.GoFax, "acct", "123456"}
	pages := renderPages(k)
	img, err := tiff.Decode(bytes.NewReader(render(k, docfetch.TIFF).body))
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

// golden are the SHA-256 of one fax's documents. Every simulator build
// must serve the same bytes for a fax (one instance announces, another
// serves): a change here breaks that between versions, so make it only
// on purpose.
var golden = map[docfetch.Format]string{
	docfetch.PDF:  "ae7a4dce15d3f086ee2228fca2d49eae359181b09d331889ed1504a962633316",
	docfetch.TIFF: "633b24cfbd6e6c6078260feb7ca6f3b566fee0303166c6277a91d00367d181f7",
}

// TestDocumentsAreDeterministic: the same fax always gives the same bytes
// (those of golden); another fax other bytes; pages and GoFax's format
// follow the key.
func TestDocumentsAreDeterministic(t *testing.T) {
	k := docKey{fax.EFax, "acme", "7e029808-237b-413e-a051-53bf445e8b49"}
	for _, f := range []docfetch.Format{docfetch.PDF, docfetch.TIFF} {
		a, b := render(k, f), render(k, f)
		if a.doc.SHA256 != golden[f] {
			t.Errorf("%s document of %v: sha256 %s, want %s", f, k, a.doc.SHA256, golden[f])
		}
		if !bytes.Equal(a.body, b.body) || a.doc != b.doc || a.doc.Pages != k.pages() {
			t.Errorf("%s: two renders differ, or %d pages for %d", f, a.doc.Pages, k.pages())
		}
		other := render(docKey{fax.EFax, "acme", "another"}, f)
		if other.doc.SHA256 == a.doc.SHA256 {
			t.Errorf("%s: two faxes with one document", f)
		}
	}
	formats := map[docfetch.Format]int{}
	pages := map[int]int{}
	for i := range 200 {
		k := docKey{fax.GoFax, "acct", string(rune('a'+i%26)) + string(rune('a'+i/26))}
		formats[k.formatFor(docfetch.PDF)]++
		pages[k.pages()]++
	}
	if formats[docfetch.PDF] < 60 || formats[docfetch.TIFF] < 60 || pages[1] < 30 || len(pages) < 6 {
		t.Errorf("over 200 GoFax faxes: formats %v, pages %v; want both formats and 1 to 8 pages, mostly few", formats, pages)
	}
}

func TestReorderer(t *testing.T) {
	faxes := make([]*simFax, 6)
	for i := range faxes {
		faxes[i] = &simFax{report: Fax{Seq: i + 1}}
	}
	r := &reorderer{rate: 1, rng: rand.New(rand.NewPCG(1, 2))}
	var out []*simFax
	for _, f := range faxes {
		out = append(out, r.push(f)...)
	}
	if len(out) != 0 {
		t.Fatalf("rate 1 dispatched %d before the end", len(out))
	}
	out = r.flush()
	for i, f := range out {
		if f.report.Seq != 6-i || f.outOfOrder != (i > 0) {
			t.Errorf("flush %d: fax %d out of order %v; want the latest first, the others marked", i, f.report.Seq, f.outOfOrder)
		}
	}
}
