package docgen

import (
	"bytes"
	"fmt"
	"strings"
)

// Letter size in PDF points: the 8.5 × 11 in a fax page covers.
const (
	pdfPageWidth  = 612
	pdfPageHeight = 792
)

// pdfWriter builds a PDF file object by object, recording where each
// object starts for the cross-reference table.
type pdfWriter struct {
	buf     bytes.Buffer
	offsets []int // of object i+1
}

// object writes object number len(offsets)+1 with dict (and stream, when
// not nil). Objects are written in number order.
func (w *pdfWriter) object(dict string, stream []byte) {
	w.offsets = append(w.offsets, w.buf.Len())
	fmt.Fprintf(&w.buf, "%d 0 obj\n%s\n", len(w.offsets), dict)
	if stream != nil {
		w.buf.WriteString("stream\n")
		w.buf.Write(stream)
		w.buf.WriteString("\nendstream\n")
	}
	w.buf.WriteString("endobj\n")
}

// writePDF encodes pages as a PDF 1.4 document, each page one bilevel
// image covering a Letter page, as a fax server's PDF is; the image data
// is PackBits (RunLengthDecode), the very bytes of the TIFF's strips plus
// the end-of-data mark. It carries no date or random id, so the same pages
// always give the same bytes. Pages are plain objects (no object streams),
// so a scan for /Type /Page counts them, as the downloader does.
//
// Written by hand rather than with a PDF library: an image per page is
// all a fax PDF holds, and the libraries stamp creation dates and ids that
// would break the byte-for-byte determinism documents need.
func writePDF(pages []*bitmap, title string) []byte {
	w := &pdfWriter{}
	w.buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	// Object numbers: 1 catalog, 2 page tree, 3 info, then page, contents
	// and image of each page.
	kids := make([]string, len(pages))
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+3*i)
	}
	w.object("<< /Type /Catalog /Pages 2 0 R >>", nil)
	w.object(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(pages)), nil)
	w.object(fmt.Sprintf("<< /Producer (faxpipe sim) /Title (%s) >>", pdfString(title)), nil)
	for i, p := range pages {
		page := 4 + 3*i
		w.object(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>",
			pdfPageWidth, pdfPageHeight, page+2, page+1), nil)
		content := fmt.Appendf(nil, "q %d 0 0 %d 0 0 cm /Im0 Do Q", pdfPageWidth, pdfPageHeight)
		w.object(fmt.Sprintf("<< /Length %d >>", len(content)), content)
		data := append(packBitmap(p), 128)
		w.object(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "+
			"/BitsPerComponent 1 /Decode [1 0] /Filter /RunLengthDecode /Length %d >>", p.w, p.h, len(data)), data)
	}
	return w.finish()
}

// finish writes the cross-reference table and trailer and returns the file.
func (w *pdfWriter) finish() []byte {
	xref := w.buf.Len()
	fmt.Fprintf(&w.buf, "xref\n0 %d\n0000000000 65535 f \n", len(w.offsets)+1)
	for _, off := range w.offsets {
		fmt.Fprintf(&w.buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&w.buf, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(w.offsets)+1, xref)
	return w.buf.Bytes()
}

// pdfString escapes s for a PDF literal string, keeping printable ASCII.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r >= 0x20 && r < 0x7f:
			b.WriteRune(r)
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}
