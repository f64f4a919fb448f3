package sim

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/faxpipe/faxpipe/pkg/fax"
	"github.com/faxpipe/faxpipe/pkg/provider/docfetch"
	"github.com/faxpipe/faxpipe/pkg/tools/sim/docgen"
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
// pages, its bytes and, without a format choice, its format — is a pure function of the
// key, so that any simulator instance serves the documents of faxes
// another one announced.
type docKey struct {
	provider fax.Provider
	account  string
	faxID    string
}

// doc is the key's fax as docgen draws it.
func (k docKey) doc() docgen.Fax {
	return docgen.Fax{Provider: string(k.provider), Account: k.account, ID: k.faxID}
}

// pages is how many pages the key's fax has; its callback announces this
// count.
func (k docKey) pages() int { return k.doc().Pages() }

// nativeFormat is the format a provider without a choice serves: PDF or
// TIFF, half each.
func (k docKey) nativeFormat() docfetch.Format {
	if k.doc().Seed()[8]&1 == 0 {
		return docfetch.PDF
	}
	return docfetch.TIFF
}

// formatFor is the format the API serves for a request asking for want:
// the asked one, PDF or TIFF; anything else (a provider without a choice
// asks for "") the fax's own.
func (k docKey) formatFor(want docfetch.Format) docfetch.Format {
	if want != docfetch.PDF && want != docfetch.TIFF {
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
	var body []byte
	mediaType := "application/pdf"
	if f == docfetch.TIFF {
		body, mediaType = docgen.TIFF(k.doc()), "image/tiff"
	} else {
		body = docgen.PDF(k.doc())
	}
	sum := sha256.Sum256(body)
	return rendered{body: body, doc: Document{
		SHA256: hex.EncodeToString(sum[:]), MediaType: mediaType, Format: f, Size: len(body), Pages: k.pages(),
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

// expectedDocument is the key's document as the API serves it to a
// request asking for format f (see formatFor).
func expectedDocument(k docKey, f docfetch.Format) Document {
	return documents.get(k, k.formatFor(f)).doc
}
