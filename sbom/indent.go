package sbom

import (
	"bytes"
	"slices"
)

// jsonIndenter is an io.Writer that indents compact JSON, as
// encoding/json writes it, by two spaces: the bytes json.Encoder writes
// with SetIndent("", "  "). The libraries' encoders write compact JSON
// through it where the writers of jsonwrite.go do not serve (a document
// that sets a field they do not write): encoding/json's own indentation
// runs a full JSON scanner over every byte and was a quarter of the time
// of a large document, while string contents, most of a document, are
// copied here in blocks found with bytes.IndexByte. The input is trusted
// to be valid JSON; it may arrive in any number of writes.
type jsonIndenter struct {
	out   []byte
	depth int
	// open is set after '{' or '[': the line break waits for the first
	// element, so that empty ones stay "{}" and "[]".
	open bool
	// inString is set inside a string; escaped when the last byte
	// written was a backslash that escapes the next one.
	inString, escaped bool
}

const jsonIndent = "  "

func (x *jsonIndenter) Write(p []byte) (int, error) {
	// Indentation adds up to half again to sbompipe's documents, and
	// encoding/json writes a document in one piece: one allocation holds
	// the result.
	x.out = slices.Grow(x.out, len(p)+len(p)*5/8+4096)
	for i := 0; i < len(p); {
		if x.inString {
			i = x.stringPart(p, i)
			continue
		}
		c := p[i]
		if x.open && c != '}' && c != ']' {
			x.open = false
			x.depth++
			x.lineBreak()
		}
		switch c {
		case '"':
			x.inString = true
			x.out = append(x.out, c)
		case '{', '[':
			x.open = true
			x.out = append(x.out, c)
		case '}', ']':
			if x.open {
				x.open = false
			} else {
				x.depth--
				x.lineBreak()
			}
			x.out = append(x.out, c)
		case ',':
			x.out = append(x.out, c)
			x.lineBreak()
		case ':':
			x.out = append(x.out, ':', ' ')
		default:
			// A number, true, false, null, or the final newline.
			j := i + 1
			for j < len(p) && !isJSONDelim(p[j]) {
				j++
			}
			x.out = append(x.out, p[i:j]...)
			i = j
			continue
		}
		i++
	}
	return len(p), nil
}

// stringPart copies string content from p[i:] up to and including the
// closing quote, or to the end of p, and returns where it stopped.
func (x *jsonIndenter) stringPart(p []byte, i int) int {
	if x.escaped {
		x.escaped = false
		x.out = append(x.out, p[i])
		return i + 1
	}
	q := bytes.IndexByte(p[i:], '"')
	if q < 0 {
		q = len(p) - i
	}
	// A backslash before the quote (or at the end of p) escapes the
	// next byte: copy up to the backslash and let the next call take
	// the escaped byte.
	if b := bytes.IndexByte(p[i:i+q], '\\'); b >= 0 {
		x.out = append(x.out, p[i:i+b+1]...)
		x.escaped = true
		return i + b + 1
	}
	end := i + q
	if end < len(p) {
		end++ // the closing quote
		x.inString = false
	}
	x.out = append(x.out, p[i:end]...)
	return end
}

func isJSONDelim(c byte) bool {
	switch c {
	case '"', '{', '[', '}', ']', ',', ':':
		return true
	}
	return false
}

func (x *jsonIndenter) lineBreak() {
	x.out = append(x.out, '\n')
	for range x.depth {
		x.out = append(x.out, jsonIndent...)
	}
}
