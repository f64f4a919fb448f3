package docfetch

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
)

// DocumentMembers are the JSON member names (compared case-insensitively)
// whose string value is taken as the base64 document when a provider's
// field name is not confirmed (GoFax: [?] in PROVIDERS.md).
var DocumentMembers = []string{
	"data", "document", "documentdata", "filedata", "file_data", "filecontent",
	"content", "image", "base64", "base64data",
}

// maxKey bounds the member names read while looking for the document.
const maxKey = 256

// maxNesting bounds how deep into nested objects the document is looked for.
const maxNesting = 8

var errNoDocument = fmt.Errorf("%w: no document member", ErrMalformed)

// DecodeDocument returns the raw bytes of a base64 document carried in r
// as streamed, never holding the document: r may be a JSON object whose
// member named one of names (case-insensitively; DocumentMembers if none),
// possibly in a nested object, is a base64 string; a JSON string; or bare
// base64. Standard and URL-safe alphabets, padding or none, and line
// breaks are accepted. A document that is none of these reads as an error
// wrapping ErrMalformed; an answer that ends inside the document as
// io.ErrUnexpectedEOF; r's own errors are returned as they are.
func DecodeDocument(r io.Reader, names ...string) io.Reader {
	if len(names) == 0 {
		names = DocumentMembers
	}
	return &docReader{src: bufio.NewReaderSize(r, 32<<10), names: names}
}

type docReader struct {
	src   *bufio.Reader
	names []string
	dec   io.Reader
	b64   *b64Filter
	err   error
}

// Read locates the document on first use, then decodes it.
func (d *docReader) Read(p []byte) (int, error) {
	if d.dec == nil && d.err == nil {
		d.err = d.locate()
	}
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.dec.Read(p)
	var corrupt base64.CorruptInputError
	if errors.As(err, &corrupt) && d.b64.srcErr != nil {
		// Cut off mid-quantum by a failed read: the read's error (transient
		// as a rule), not a malformed document.
		d.err = d.b64.srcErr
		return n, d.err
	}
	if errors.As(err, &corrupt) {
		d.err = fmt.Errorf("%w: bad base64: %w", ErrMalformed, err)
		return n, d.err
	}
	return n, err
}

// locate positions src at the start of the base64 text and sets dec.
func (d *docReader) locate() error {
	c, err := d.skipSpace()
	if err != nil {
		return d.eof(err, "empty answer")
	}
	switch {
	case c == '"':
		_, _ = d.src.ReadByte()
	case c == '{':
		_, _ = d.src.ReadByte()
		if err := d.findMember(0); err != nil {
			return err
		}
	case isBase64Char(c):
		d.b64 = &b64Filter{r: d.src}
		d.dec = base64.NewDecoder(base64.RawStdEncoding, d.b64)
		return nil
	default:
		return fmt.Errorf("%w: answer starts with %q", ErrMalformed, c)
	}
	d.b64 = &b64Filter{r: &jsonString{src: d.src}}
	d.dec = base64.NewDecoder(base64.RawStdEncoding, d.b64)
	return nil
}

// findMember reads the members of an object whose '{' was consumed until
// one named as wanted has a string value, leaving src just after that
// string's opening quote. Object values are searched too.
func (d *docReader) findMember(depth int) error {
	for {
		c, err := d.next()
		if err != nil {
			return d.eof(err, "object")
		}
		switch c {
		case '}':
			return errNoDocument
		case ',':
			continue
		case '"':
		default:
			return fmt.Errorf("%w: unexpected %q in object", ErrMalformed, c)
		}
		found, err := d.member(depth)
		if found || err != nil && !errors.Is(err, errNoDocument) {
			return err
		}
	}
}

// member reads one member whose key's opening quote was consumed and
// reports whether its value is the document (src is then inside it).
func (d *docReader) member(depth int) (bool, error) {
	key, err := d.readKey()
	if err != nil {
		return false, err
	}
	if c, err := d.next(); err != nil || c != ':' {
		return false, d.eof(err, "member")
	}
	c, err := d.skipSpace()
	if err != nil {
		return false, d.eof(err, "member")
	}
	switch {
	case c == '"' && d.wanted(key):
		_, _ = d.src.ReadByte()
		return true, nil
	case c == '{' && depth < maxNesting:
		_, _ = d.src.ReadByte()
		if err := d.findMember(depth + 1); err != nil {
			return false, err
		}
		return true, nil
	default:
		return false, d.skipValue()
	}
}

func (d *docReader) wanted(key string) bool {
	for _, n := range d.names {
		if strings.EqualFold(n, key) {
			return true
		}
	}
	return false
}

// readKey reads a member name after its opening quote, keeping at most
// maxKey bytes of it.
func (d *docReader) readKey() (string, error) {
	var b strings.Builder
	s := &jsonString{src: d.src}
	buf := make([]byte, 64)
	for {
		n, err := s.Read(buf)
		if b.Len() < maxKey {
			b.Write(buf[:min(n, maxKey-b.Len())])
		}
		if errors.Is(err, io.EOF) {
			return b.String(), nil
		}
		if err != nil {
			return "", err
		}
	}
}

// skipValue consumes one JSON value without keeping it.
func (d *docReader) skipValue() error {
	depth := 0
	for {
		c, err := d.src.ReadByte()
		if err != nil {
			return d.eof(err, "value")
		}
		switch {
		case c == '"':
			if _, err := io.Copy(io.Discard, &jsonString{src: d.src}); err != nil {
				return err
			}
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		case depth == 0 && (c == ',' || isSpace(c)):
			return nil
		}
		if depth < 0 {
			return d.src.UnreadByte() // the '}' closes the enclosing object
		}
		if depth == 0 && (c == '"' || c == '}' || c == ']') {
			return nil
		}
	}
}

// next returns the next byte that is not JSON white space.
func (d *docReader) next() (byte, error) {
	if _, err := d.skipSpace(); err != nil {
		return 0, err
	}
	return d.src.ReadByte()
}

// skipSpace consumes white space (and a UTF-8 byte order mark) and peeks
// at the byte after it.
func (d *docReader) skipSpace() (byte, error) {
	for {
		b, err := d.src.Peek(1)
		if err != nil {
			return 0, err
		}
		if !isSpace(b[0]) && b[0] != 0xEF && b[0] != 0xBB && b[0] != 0xBF {
			return b[0], nil
		}
		_, _ = d.src.ReadByte()
	}
}

// eof turns a clean end of the answer into io.ErrUnexpectedEOF (the answer
// was cut short) and keeps any other read error as it is.
func (d *docReader) eof(err error, where string) error {
	if err == nil {
		return fmt.Errorf("%w: malformed %s", ErrMalformed, where)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("answer ends inside the %s: %w", where, io.ErrUnexpectedEOF)
	}
	return err
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func isBase64Char(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' ||
		c == '+' || c == '/' || c == '-' || c == '_'
}
