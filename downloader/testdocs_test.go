package downloader

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// MakePDF returns a small valid PDF of n empty pages, for tests.
func MakePDF(n int) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	kids := ""
	for i := range n {
		kids += fmt.Sprintf("%d 0 R ", 3+i)
	}
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", kids, n))
	for i := range n {
		if i%2 == 0 {
			obj("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")
		} else {
			obj("<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>")
		}
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// MakeTIFF returns a small valid bilevel TIFF of n 8x1 pages in byte order
// o, for tests: each page's strip, then its IFD, chained forward.
func MakeTIFF(o binary.ByteOrder, n int) []byte {
	var b bytes.Buffer
	if o == binary.BigEndian {
		b.WriteString("MM\x00*")
	} else {
		b.WriteString("II*\x00")
	}
	_ = binary.Write(&b, o, uint32(8+2)) // first IFD after the first strip (1 byte + pad)
	for i := range n {
		strip := uint32(b.Len())
		b.Write([]byte{0xAA, 0}) // one row of 8 pixels, padded to a word
		type entry struct {
			tag, typ uint16
			count    uint32
			value    uint32
		}
		entries := []entry{
			{256, 3, 1, 8}, {257, 3, 1, 1}, {258, 3, 1, 1}, {259, 3, 1, 1},
			{262, 3, 1, 0}, {273, 4, 1, strip}, {278, 3, 1, 1}, {279, 4, 1, 1},
		}
		ifdLen := 2 + 12*len(entries) + 4
		next := uint32(0)
		if i < n-1 {
			next = uint32(b.Len()+ifdLen) + 2 // the next strip, then its IFD
		}
		_ = binary.Write(&b, o, uint16(len(entries)))
		for _, e := range entries {
			_ = binary.Write(&b, o, e.tag)
			_ = binary.Write(&b, o, e.typ)
			_ = binary.Write(&b, o, e.count)
			if e.typ == 3 { // SHORT values sit left-justified in the field
				_ = binary.Write(&b, o, uint16(e.value))
				_ = binary.Write(&b, o, uint16(0))
			} else {
				_ = binary.Write(&b, o, e.value)
			}
		}
		_ = binary.Write(&b, o, next)
	}
	return b.Bytes()
}
