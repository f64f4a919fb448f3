package sim

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

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
		formats[k.nativeFormat()]++ // GoFax offers no choice: its faxes are in their own format
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
