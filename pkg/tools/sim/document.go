package sim

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
)

// Document describes a document the API serves: what faxpipe's downloader
// should store for the fax.
type Document struct {
	SHA256    string          `json:"sha256"` // hex, of the document's bytes
	MediaType string          `json:"media_type"`
	Format    docfetch.Format `json:"format"`
	Size      int             `json:"size"`
	Pages     int             `json:"pages"`
}

// docKey names a fax's document. Everything about the document — its
// pages, its bytes and, for GoFax, its format — is a pure function of the
// key, so that any simulator instance serves the documents of faxes
// another one announced.
type docKey struct {
	provider fax.Provider
	account  string
	faxID    string
}

// digest is the hash every property of the key's document is drawn from.
func (k docKey) digest() [32]byte {
	return sha256.Sum256([]byte("faxpipe-sim/document/v1\x00" + string(k.provider) + "\x00" + k.account + "\x00" + k.faxID))
}

// pageWeights is the page count distribution of faxes: weight of 1, 2, …
// pages. Most faxes are short.
var pageWeights = []uint64{30, 25, 15, 10, 8, 5, 4, 3}

// pages is how many pages the key's fax has, 1 to len(pageWeights); its
// callback announces this count.
func (k docKey) pages() int {
	d := k.digest()
	var total uint64
	for _, w := range pageWeights {
		total += w
	}
	r := binary.BigEndian.Uint64(d[:8]) % total
	for i, w := range pageWeights {
		if r < w {
			return i + 1
		}
		r -= w
	}
	return len(pageWeights)
}

// nativeFormat is the format a provider without a choice serves (GoFax):
// PDF or TIFF, half each.
func (k docKey) nativeFormat() docfetch.Format {
	if k.digest()[8]&1 == 0 {
		return docfetch.PDF
	}
	return docfetch.TIFF
}

// formatFor is the format the API serves for a request asking for want:
// the asked one where the provider offers a choice (Sfax, eFax), else the
// fax's own.
func (k docKey) formatFor(want docfetch.Format) docfetch.Format {
	if k.provider == fax.GoFax || (want != docfetch.PDF && want != docfetch.TIFF) {
		return k.nativeFormat()
	}
	return want
}

// rendered is a document's bytes and description.
type rendered struct {
	body []byte
	doc  Document
}

// render makes the key's document in format f.
func render(k docKey, f docfetch.Format) rendered {
	pages := renderPages(k)
	var body []byte
	mediaType := "application/pdf"
	if f == docfetch.TIFF {
		body, mediaType = writeTIFF(pages), "image/tiff"
	} else {
		body = writePDF(pages, fmt.Sprintf("%s/%s fax %s", k.provider, k.account, k.faxID))
	}
	sum := sha256.Sum256(body)
	return rendered{body: body, doc: Document{
		SHA256: hex.EncodeToString(sum[:]), MediaType: mediaType, Format: f, Size: len(body), Pages: len(pages),
	}}
}

// docCache keeps recently rendered documents: a fax's document is rendered
// once for the report and fetched at least once. Bounded: emptied when
// full.
type docCache struct {
	mu sync.Mutex
	m  map[docCacheKey]rendered
}

type docCacheKey struct {
	docKey
	format docfetch.Format
}

const docCacheSize = 256

// get returns the key's document in format f, rendering it if needed.
func (c *docCache) get(k docKey, f docfetch.Format) rendered {
	ck := docCacheKey{k, f}
	c.mu.Lock()
	r, ok := c.m[ck]
	c.mu.Unlock()
	if ok {
		return r
	}
	r = render(k, f)
	c.mu.Lock()
	if c.m == nil || len(c.m) >= docCacheSize {
		c.m = map[docCacheKey]rendered{}
	}
	c.m[ck] = r
	c.mu.Unlock()
	return r
}

// documents caches the documents of every simulator in the process: a
// received fax's document is rendered for the report and again when
// fetched.
var documents docCache

// ExpectedDocument is the document the simulator's API serves for the fax
// of provider p, account and faxID when asked for format f (GoFax offers no
// choice: its documents are PDF or TIFF by fax). It is a pure function of
// its arguments, whichever simulator instance serves it.
func ExpectedDocument(p fax.Provider, account, faxID string, f docfetch.Format) Document {
	k := docKey{p, account, faxID}
	return documents.get(k, k.formatFor(f)).doc
}
