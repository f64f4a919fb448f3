package docfetch

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// jsonString reads the contents of a JSON string whose opening quote was
// consumed, unescaped, up to (and consuming) its closing quote, then io.EOF.
type jsonString struct {
	src     *bufio.Reader
	pending []byte // the rest of an escaped rune p had no room for
	done    bool
}

// Read implements io.Reader. It returns what is buffered rather than block
// for more once it has something.
func (s *jsonString) Read(p []byte) (int, error) {
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	for n < len(p) && !s.done && (n == 0 || s.src.Buffered() > 0) {
		c, err := s.src.ReadByte()
		if err != nil {
			return n, cutShort(err)
		}
		switch {
		case c == '"':
			s.done = true
		case c == '\\':
			var buf [utf8.UTFMax]byte
			w, err := s.escape(buf[:])
			if err != nil {
				return n, err
			}
			k := copy(p[n:], buf[:w])
			n += k
			s.pending = append(s.pending, buf[k:w]...)
		case c < 0x20:
			return n, fmt.Errorf("%w: control character in a JSON string", ErrMalformed)
		default:
			p[n] = c
			n++
		}
	}
	if s.done && n == 0 && len(s.pending) == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// escape decodes one escape sequence after its backslash into p, which has
// room for utf8.UTFMax bytes.
func (s *jsonString) escape(p []byte) (int, error) {
	c, err := s.src.ReadByte()
	if err != nil {
		return 0, cutShort(err)
	}
	if r, ok := simpleEscapes[c]; ok {
		p[0] = r
		return 1, nil
	}
	if c != 'u' {
		return 0, fmt.Errorf("%w: bad escape \\%c", ErrMalformed, c)
	}
	var hex [4]byte
	if _, err := io.ReadFull(s.src, hex[:]); err != nil {
		return 0, cutShort(err)
	}
	r, err := strconv.ParseUint(string(hex[:]), 16, 16)
	if err != nil {
		return 0, fmt.Errorf("%w: bad escape \\u%s", ErrMalformed, hex[:])
	}
	return utf8.EncodeRune(p, rune(r)), nil
}

var simpleEscapes = map[byte]byte{
	'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t',
}

// cutShort reports a clean end inside a string as io.ErrUnexpectedEOF.
func cutShort(err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("answer ends inside a JSON string: %w", io.ErrUnexpectedEOF)
	}
	return err
}

// b64Filter drops what base64 readers refuse but documents carry (white
// space, padding) and maps the URL-safe alphabet onto the standard one, so
// that base64.RawStdEncoding decodes what it passes on.
// It remembers the first error of its source other than io.EOF, which
// explains a base64 error that a cut-off answer makes.
type b64Filter struct {
	r      io.Reader
	srcErr error
}

// Read implements io.Reader; it never returns 0, nil.
func (f *b64Filter) Read(p []byte) (int, error) {
	for {
		n, err := f.r.Read(p)
		w := 0
		for _, c := range p[:n] {
			switch c {
			case ' ', '\t', '\r', '\n', '=':
				continue
			case '-':
				c = '+'
			case '_':
				c = '/'
			}
			p[w] = c
			w++
		}
		if err != nil && !errors.Is(err, io.EOF) && f.srcErr == nil {
			f.srcErr = err
		}
		if w > 0 || err != nil {
			return w, err
		}
	}
}
