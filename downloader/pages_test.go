package downloader

import (
	"encoding/binary"
	"errors"
	"testing"
)

func countPages(k kind, doc []byte, chunk int) int {
	pc := newPageCounter(k)
	for len(doc) > 0 {
		n := min(chunk, len(doc))
		_, _ = pc.Write(doc[:n])
		doc = doc[n:]
	}
	return pc.pages()
}

func TestPageCount(t *testing.T) {
	backwards := MakeTIFF(binary.LittleEndian, 1)
	binary.LittleEndian.PutUint32(backwards[4:], 4) // first IFD inside the header
	tests := []struct {
		name string
		kind kind
		doc  []byte
		want int
	}{
		{"PDF of 1 page", kindPDF, MakePDF(1), 1},
		{"PDF of 3 pages, /Pages not counted", kindPDF, MakePDF(3), 3},
		{"PDF without readable page objects", kindPDF, []byte("%PDF-1.7\n1 0 obj <</Type /ObjStm>> endobj"), -1},
		{"PDF /Type /Pages only", kindPDF, []byte("%PDF-1.4 << /Type /Pages /Count 9 >>"), -1},
		{"PDF ending right after /Page", kindPDF, []byte("%PDF-1.4 /Type /Page"), 1},
		{"TIFF little-endian, 1 page", kindTIFF, MakeTIFF(binary.LittleEndian, 1), 1},
		{"TIFF little-endian, 4 pages", kindTIFF, MakeTIFF(binary.LittleEndian, 4), 4},
		{"TIFF big-endian, 2 pages", kindTIFF, MakeTIFF(binary.BigEndian, 2), 2},
		{"TIFF cut short", kindTIFF, MakeTIFF(binary.LittleEndian, 2)[:40], -1},
		{"TIFF pointing backwards", kindTIFF, backwards, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, chunk := range []int{1, 3, 7, 1 << 20} {
				if got := countPages(tt.kind, tt.doc, chunk); got != tt.want {
					t.Fatalf("pages in chunks of %d = %d, want %d", chunk, got, tt.want)
				}
			}
		})
	}
}

func TestSniff(t *testing.T) {
	tests := []struct {
		name string
		head string
		want kind
		err  error
	}{
		{"PDF", "%PDF-1.7", kindPDF, nil},
		{"TIFF II", "II*\x00\x08", kindTIFF, nil},
		{"TIFF MM", "MM\x00*\x00", kindTIFF, nil},
		{"HTML", "<html", kind{}, errUnsupportedContent},
		{"JSON", `{"isS`, kind{}, errUnsupportedContent},
		{"empty", "", kind{}, errUnsupportedContent},
		{"short PDF prefix", "%PD", kind{}, errUnsupportedContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := sniff([]byte(tt.head))
			if got != tt.want || !errors.Is(err, tt.err) || (err == nil) != (tt.err == nil) {
				t.Fatalf("sniff(%q) = %v, %v; want %v, %v", tt.head, got, err, tt.want, tt.err)
			}
		})
	}
}
