package downloader

import (
	"encoding/binary"
	"io"
	"strings"
)

// pageCounter counts pages of a document as it streams by; pages is -1
// when the count cannot be read.
type pageCounter interface {
	io.Writer
	pages() int
}

func newPageCounter(k kind) pageCounter {
	if k == kindTIFF {
		return &tiffPages{need: 2}
	}
	return &pdfPages{}
}

// pdfPages counts page objects: /Type /Page not followed by a regular
// character (so not /Pages), white space between allowed. Pages inside
// compressed object streams are not seen; none seen reads as unknown.
type pdfPages struct {
	state, idx, count int
}

const (
	pdfType = iota
	pdfSpace
	pdfPage
	pdfAfter
)

func (c *pdfPages) Write(p []byte) (int, error) {
	for _, b := range p {
		c.step(b)
	}
	return len(p), nil
}

func (c *pdfPages) step(b byte) {
	switch {
	case c.state == pdfType && b == "/Type"[c.idx]:
		if c.idx++; c.idx == len("/Type") {
			c.state = pdfSpace
		}
	case c.state == pdfSpace && isPDFSpace(b):
	case c.state == pdfSpace && b == '/':
		c.state, c.idx = pdfPage, 1
	case c.state == pdfPage && b == "/Page"[c.idx]:
		if c.idx++; c.idx == len("/Page") {
			c.state = pdfAfter
		}
	default:
		if c.state == pdfAfter && !isPDFRegular(b) {
			c.count++
		}
		c.state, c.idx = pdfType, 0
		if b == '/' {
			c.idx = 1
		}
	}
}

func (c *pdfPages) pages() int {
	n := c.count
	if c.state == pdfAfter {
		n++
	}
	if n == 0 {
		return -1
	}
	return n
}

func isPDFSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == '\f' || b == 0
}

func isPDFRegular(b byte) bool {
	return !isPDFSpace(b) && !strings.ContainsRune("()<>[]{}/%", rune(b))
}

// maxIFDEntries bounds one TIFF directory (fax TIFFs have a dozen tags).
const maxIFDEntries = 4096

// tiffPages counts the image file directories of a TIFF as it streams by,
// following the chain of next-IFD offsets forward. A chain that points
// backwards (legal, rare) cannot be followed in one pass: unknown.
type tiffPages struct {
	pos    int64 // bytes seen
	head   []byte
	order  binary.ByteOrder
	next   int64  // offset of the IFD to read
	ifd    []byte // the IFD being read
	need   int    // bytes of it needed
	count  int
	done   bool
	broken bool
}

func (c *tiffPages) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !c.done && !c.broken {
		p = c.consume(p)
	}
	return n, nil
}

// consume takes what it needs of p and returns the rest.
func (c *tiffPages) consume(p []byte) []byte {
	if c.pos < 8 {
		k := min(int(8-c.pos), len(p))
		c.head = append(c.head, p[:k]...)
		c.advance(k)
		if c.pos == 8 {
			c.header()
		}
		return p[k:]
	}
	if c.pos < c.next {
		k := int(min(c.next-c.pos, int64(len(p))))
		c.advance(k)
		return p[k:]
	}
	k := min(c.need-len(c.ifd), len(p))
	c.ifd = append(c.ifd, p[:k]...)
	c.advance(k)
	if len(c.ifd) == c.need {
		c.directory()
	}
	return p[k:]
}

func (c *tiffPages) advance(k int) { c.pos += int64(k) }

// header reads the byte order, the magic 42 and the first IFD offset.
func (c *tiffPages) header() {
	switch string(c.head[:2]) {
	case "II":
		c.order = binary.LittleEndian
	case "MM":
		c.order = binary.BigEndian
	default:
		c.broken = true
		return
	}
	if c.order.Uint16(c.head[2:]) != 42 {
		c.broken = true // BigTIFF or not a TIFF
		return
	}
	c.follow(int64(c.order.Uint32(c.head[4:])))
}

// directory handles a complete IFD read so far: its entry count first,
// then its entries and the next offset.
func (c *tiffPages) directory() {
	if c.need == 2 {
		entries := int(c.order.Uint16(c.ifd))
		if entries == 0 || entries > maxIFDEntries {
			c.broken = true
			return
		}
		c.need = 2 + 12*entries + 4
		return
	}
	c.count++
	c.follow(int64(c.order.Uint32(c.ifd[len(c.ifd)-4:])))
}

// follow makes off the next IFD to read; 0 ends the chain.
func (c *tiffPages) follow(off int64) {
	switch {
	case off == 0:
		c.done = true
	case off < c.pos:
		c.broken = true
	default:
		c.next, c.ifd, c.need = off, nil, 2
	}
}

func (c *tiffPages) pages() int {
	if !c.done || c.broken || c.count == 0 {
		return -1
	}
	return c.count
}
