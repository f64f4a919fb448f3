package downloader

import (
	"bytes"
	"errors"
	"net/url"

	"github.com/faxpipe/faxpipe/pkg/fax"
)

// errUnsupportedContent: the document is neither PDF nor TIFF (an HTML
// error page served with a 200, say). Permanent.
var errUnsupportedContent = errors.New("document is neither PDF nor TIFF")

// sniffLen is how many bytes sniff needs.
const sniffLen = 5

// kind is a document format faxpipe stores.
type kind struct {
	contentType string
	ext         string
}

var (
	kindPDF  = kind{contentType: "application/pdf", ext: "pdf"}
	kindTIFF = kind{contentType: "image/tiff", ext: "tiff"}
)

// sniff tells the format from the first bytes: PDF starts with %PDF-,
// TIFF with II*\0 (little-endian) or MM\0* (big-endian).
func sniff(head []byte) (kind, error) {
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return kindPDF, nil
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return kindTIFF, nil
	}
	return kind{}, errUnsupportedContent
}

// objectName is where the document of ev is stored:
// {provider}/{account}/{fax_id}.{ext}, the fax id path-escaped so that no
// fax id can make another path (the ids providers use are unchanged).
func objectName(ev fax.Event, k kind) string {
	return string(ev.Provider) + "/" + ev.Account + "/" + url.PathEscape(ev.FaxID) + "." + k.ext
}
