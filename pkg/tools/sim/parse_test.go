package sim_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"golang.org/x/image/tiff"
)

// pdfPage matches a page object's type (not the page tree's /Pages).
var pdfPage = regexp.MustCompile(`/Type\s*/Page[\s/>]`)

// pdfPages checks body's PDF structure — header, every cross-reference
// offset pointing at its object, trailer — and counts its page objects.
func pdfPages(body []byte) (int, error) {
	if !bytes.HasPrefix(body, []byte("%PDF-1.")) || !bytes.HasSuffix(body, []byte("%%EOF\n")) {
		return 0, errors.New("no PDF header or %%EOF")
	}
	i := bytes.LastIndex(body, []byte("startxref\n"))
	if i < 0 {
		return 0, errors.New("no startxref")
	}
	xref, err := strconv.Atoi(string(bytes.Fields(body[i+len("startxref\n"):])[0]))
	if err != nil || !bytes.HasPrefix(body[xref:], []byte("xref\n0 ")) {
		return 0, fmt.Errorf("startxref %d does not point at xref", xref)
	}
	lines := bytes.Split(body[xref:], []byte("\n"))
	n, _ := strconv.Atoi(string(bytes.Fields(lines[1])[1]))
	for obj := 1; obj < n; obj++ {
		off, err := strconv.Atoi(string(lines[2+obj][:10]))
		if err != nil || !bytes.HasPrefix(body[off:], fmt.Appendf(nil, "%d 0 obj\n", obj)) {
			return 0, fmt.Errorf("xref entry of object %d (%d) does not point at it", obj, off)
		}
	}
	return len(pdfPage.FindAll(body, -1)), nil
}

// tiffPages decodes body's first page with golang.org/x/image/tiff and
// counts the directories of its chain, each a 1728-dot-wide bilevel page.
func tiffPages(body []byte) (int, error) {
	img, err := tiff.Decode(bytes.NewReader(body))
	if err != nil {
		return 0, fmt.Errorf("decode: %w", err)
	}
	if b := img.Bounds(); b.Dx() != 1728 || b.Dy() != 1078 {
		return 0, fmt.Errorf("page size %v", b)
	}
	if string(body[:4]) != "II*\x00" {
		return 0, errors.New("not a little-endian TIFF")
	}
	le := binary.LittleEndian
	pages := 0
	for off := le.Uint32(body[4:]); off != 0; pages++ {
		if int(off)+2 > len(body) || pages > 100 {
			return 0, fmt.Errorf("directory offset %d out of the file", off)
		}
		n := int(le.Uint16(body[off:]))
		if le.Uint16(body[off+2:]) != 254 {
			return 0, errors.New("directory does not start with NewSubfileType")
		}
		off = le.Uint32(body[int(off)+2+12*n:])
	}
	return pages, nil
}
