package docgen

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
)

// TIFF field types and tags used by writeTIFF (TIFF 6.0).
const (
	tiffShort    = 3
	tiffLong     = 4
	tiffRational = 5

	tagNewSubfileType  = 254
	tagImageWidth      = 256
	tagImageLength     = 257
	tagBitsPerSample   = 258
	tagCompression     = 259
	tagPhotometric     = 262
	tagStripOffsets    = 273
	tagSamplesPerPixel = 277
	tagRowsPerStrip    = 278
	tagStripByteCounts = 279
	tagXResolution     = 282
	tagYResolution     = 283
	tagResolutionUnit  = 296
	tagPageNumber      = 297

	compressionPackBits = 32773
	subfilePage         = 2 // one page of a multi-page document
	unitInch            = 2
)

// ifdEntry is one 12-byte directory entry; value holds the value itself
// (a SHORT in its low half) or the offset of a value over 4 bytes.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    uint32
}

// writeTIFF encodes pages as one little-endian, multi-page, bilevel TIFF,
// WhiteIsZero with PackBits compression, each page one strip: what a fax
// server stores. golang.org/x/image/tiff writes one image per file only,
// and fax TIFFs need a few fixed tags, so the writer is these few lines.
// Every directory follows its page's data, so a reader that streams the
// file forward (the downloader's page counter) meets every page in order.
func writeTIFF(pages []*bitmap) []byte {
	le := binary.LittleEndian
	var buf bytes.Buffer
	buf.WriteString("II*\x00\x00\x00\x00\x00")
	link := 4 // where the offset of the next directory goes
	for i, p := range pages {
		stripOff := buf.Len()
		buf.Write(packBitmap(p))
		stripLen := buf.Len() - stripOff
		if buf.Len()%2 == 1 {
			buf.WriteByte(0) // directories start on a word boundary
		}
		ifdOff := buf.Len()
		le.PutUint32(buf.Bytes()[link:], u32(ifdOff))
		entries := pageEntries(p, stripOff, stripLen, i+1, len(pages), ifdOff)
		link = writeIFD(&buf, entries)
		// The two resolutions pageEntries points at, right after the directory.
		for _, dpi := range []uint32{pageXDPI, pageYDPI} {
			buf.Write(le.AppendUint32(le.AppendUint32(nil, dpi), 1))
		}
	}
	return buf.Bytes()
}

// pageEntries are the directory entries of page (1-based) of pages, whose
// directory starts at ifdOff and is followed by its X and Y resolutions.
func pageEntries(p *bitmap, stripOff, stripLen, page, pages, ifdOff int) []ifdEntry {
	const n = 14
	resOff := u32(ifdOff + 2 + 12*n + 4)
	return []ifdEntry{
		{tagNewSubfileType, tiffLong, 1, subfilePage},
		{tagImageWidth, tiffLong, 1, u32(p.w)},
		{tagImageLength, tiffLong, 1, u32(p.h)},
		{tagBitsPerSample, tiffShort, 1, 1},
		{tagCompression, tiffShort, 1, compressionPackBits},
		{tagPhotometric, tiffShort, 1, 0}, // WhiteIsZero
		{tagStripOffsets, tiffLong, 1, u32(stripOff)},
		{tagSamplesPerPixel, tiffShort, 1, 1},
		{tagRowsPerStrip, tiffLong, 1, u32(p.h)},
		{tagStripByteCounts, tiffLong, 1, u32(stripLen)},
		{tagXResolution, tiffRational, 1, resOff},
		{tagYResolution, tiffRational, 1, resOff + 8},
		{tagResolutionUnit, tiffShort, 1, unitInch},
		{tagPageNumber, tiffShort, 2, u32(page-1) | u32(pages)<<16},
	}
}

// writeIFD appends a directory of entries (sorted by tag) with a zero next
// offset, and returns where that offset is, for the next page to link.
func writeIFD(buf *bytes.Buffer, entries []ifdEntry) int {
	le := binary.LittleEndian
	b := le.AppendUint16(nil, uint16(len(entries))) //nolint:gosec // G115: 14 entries
	for _, e := range entries {
		b = le.AppendUint16(b, e.tag)
		b = le.AppendUint16(b, e.typ)
		b = le.AppendUint32(b, e.count)
		b = le.AppendUint32(b, e.value)
	}
	buf.Write(b)
	link := buf.Len()
	buf.Write(le.AppendUint32(nil, 0))
	return link
}

// u32 is n as a TIFF LONG. Simulated documents are far below 4 GiB, the
// limit of a classic TIFF.
func u32(n int) uint32 {
	if n < 0 || n > math.MaxUint32 {
		panic(fmt.Sprintf("docgen: TIFF offset %d out of range", n))
	}
	return uint32(n)
}
