package sbom

import (
	"slices"
	"strconv"
	"unicode/utf8"
)

// jsonWriter appends indented JSON to a buffer: the bytes json.Encoder
// writes with SetEscapeHTML(true) and SetIndent("", "  "), for documents
// whose shape the caller knows. The CycloneDX and SPDX writers use it in
// place of encoding/json, which reflects over every field of the
// libraries' types and, for tools-golang, runs a new json.Encoder for
// every identifier.
//
// The caller writes a key or an array element, then its value; a value
// is a string, a number, a literal, or an object or array between
// open and close.
type jsonWriter struct {
	buf   []byte
	depth int
	// empty is set after open until the first element of the object or
	// array: an empty one stays "{}" or "[]", as encoding/json writes it.
	empty bool

	// hash, when not nil, is given buf as it is written, in pieces of
	// hashPiece bytes or more (see feed); hashed bytes of buf are given.
	hash   *contentHash
	hashed int
}

// hashPiece is the least that feed hands to the hash at a time.
const hashPiece = 256 << 10

// feed hands what was written since the last piece to w.hash, once that is
// hashPiece bytes or more. Written bytes never change, and a buffer that
// grows is copied, not changed, so the piece stays as it is. A hash with
// a spool takes the buffer itself, to write to the spool and then reuse,
// and writing goes on in a buffer the hash gives back: the document is
// then never whole in memory.
func (w *jsonWriter) feed() {
	if w.hash == nil || len(w.buf)-w.hashed < hashPiece {
		return
	}
	if w.hash.spool != nil {
		w.hash.write(w.buf[w.hashed:])
		w.buf, w.hashed = w.hash.buffer(), 0
		return
	}
	w.hash.write(w.buf[w.hashed:len(w.buf):len(w.buf)])
	w.hashed = len(w.buf)
}

// indentRun is a line break and the indentation of up to 16 levels.
const indentRun = "\n" + "                                "

// jsonMaxIndent bounds a line break with its indentation, to 16 levels.
const jsonMaxIndent = len(indentRun)

func (w *jsonWriter) lineBreak() {
	if n := 2 * w.depth; n < len(indentRun) {
		w.buf = append(w.buf, indentRun[:1+n]...)
		return
	}
	w.buf = append(w.buf, '\n')
	for range w.depth {
		w.buf = append(w.buf, jsonIndent...)
	}
}

// open starts an object ('{') or an array ('[').
func (w *jsonWriter) open(c byte) {
	w.buf = append(w.buf, c)
	w.depth++
	w.empty = true
}

// close ends the object ('}') or array (']') open started.
func (w *jsonWriter) close(c byte) {
	w.depth--
	if !w.empty {
		w.lineBreak()
	}
	w.buf = append(w.buf, c)
	w.empty = false
}

// reserve makes room for n more bytes, doubling the buffer where it
// grows: append alone grows a large slice by a quarter at a time, and
// copies a large document several times over.
func (w *jsonWriter) reserve(n int) {
	if cap(w.buf)-len(w.buf) < n {
		w.buf = slices.Grow(w.buf, max(n, cap(w.buf)))
	}
}

// elem starts an element of an array.
func (w *jsonWriter) elem() {
	w.reserve(2 * jsonMaxIndent)
	if !w.empty {
		w.buf = append(w.buf, ',')
	}
	w.empty = false
	w.lineBreak()
}

// key starts a member of an object. The key must need no escaping.
func (w *jsonWriter) key(k string) {
	w.elem()
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, k...)
	w.buf = append(w.buf, '"', ':', ' ')
}

// field writes the member k with the string value v.
func (w *jsonWriter) field(k, v string) {
	w.key(k)
	w.str(v)
}

// fieldOmitEmpty writes the member k unless v is empty, as a field tagged
// omitempty.
func (w *jsonWriter) fieldOmitEmpty(k, v string) {
	if v != "" {
		w.field(k, v)
	}
}

func (w *jsonWriter) int(n int) {
	w.buf = strconv.AppendInt(w.buf, int64(n), 10)
}

func (w *jsonWriter) bool(b bool) {
	w.buf = strconv.AppendBool(w.buf, b)
}

func (w *jsonWriter) null() {
	w.buf = append(w.buf, "null"...)
}

// str writes s as a JSON string.
func (w *jsonWriter) str(s string) {
	w.reserve(len(s) + 2)
	w.buf = appendJSONString(w.buf, s)
}

// strPrefixed writes prefix+s as a JSON string, without building it;
// prefix must be ASCII that needs no escaping.
func (w *jsonWriter) strPrefixed(prefix, s string) {
	w.reserve(len(prefix) + len(s) + 2)
	w.buf = append(w.buf, '"')
	w.buf = append(w.buf, prefix...)
	w.buf = append(appendJSONChars(w.buf, s), '"')
}

// objects writes the member k: an array of an object for each element of
// list, whose members each writes.
func objects[E any](w *jsonWriter, k string, list []E, members func(*E)) {
	w.key(k)
	w.open('[')
	for i := range list {
		w.elem()
		w.open('{')
		members(&list[i])
		w.close('}')
		w.feed()
	}
	w.close(']')
}

// writeStrings writes an array of strings.
func writeStrings[S ~string](w *jsonWriter, ss []S) {
	w.open('[')
	for _, s := range ss {
		w.elem()
		w.str(string(s))
	}
	w.close(']')
}

// jsonEscape holds, for each ASCII byte, what it is written as inside a
// string: 0 for itself, a letter for a backslash and that letter, 'u' for
// \u00XX. Control characters, the quote and the backslash must be
// escaped; <, > and & are, as encoding/json escapes them for HTML.
var jsonEscape = func() (t [utf8.RuneSelf]byte) {
	for c := range 0x20 {
		t[c] = 'u'
	}
	t['\b'], t['\f'], t['\n'], t['\r'], t['\t'] = 'b', 'f', 'n', 'r', 't'
	t['"'], t['\\'] = '"', '\\'
	t['<'], t['>'], t['&'] = 'u', 'u', 'u'
	return t
}()

const lowerHex = "0123456789abcdef"

// appendJSONString appends s as a JSON string, as encoding/json writes it
// with HTML escaping: invalid UTF-8 becomes \ufffd, and U+2028 and U+2029
// are escaped, for JavaScript.
func appendJSONString(dst []byte, s string) []byte {
	return append(appendJSONChars(append(dst, '"'), s), '"')
}

// appendJSONChars appends what appendJSONString writes between the
// quotes.
func appendJSONChars(dst []byte, s string) []byte {
	done := 0 // s[:done] is written
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			e := jsonEscape[c]
			if e == 0 {
				i++
				continue
			}
			dst = append(dst, s[done:i]...)
			if e == 'u' {
				dst = append(dst, '\\', 'u', '0', '0', lowerHex[c>>4], lowerHex[c&0xf])
			} else {
				dst = append(dst, '\\', e)
			}
			i++
			done = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[done:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[done:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', lowerHex[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		done = i
	}
	return append(dst, s[done:]...)
}
