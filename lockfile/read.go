package lockfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"iter"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
)

// This file turns the bytes of a requirements file into logical lines the way
// pip's req_file.py does: decode (rule A1 of the reference), split like
// Python's str.splitlines (A2), join backslash continuations (A3), strip
// comments (A4) and expand ${VAR} (A5).

// bom is a byte order mark and the decoder it selects. UTF-32 comes before
// UTF-16 because the UTF-32 LE mark starts with the UTF-16 LE one.
type bom struct {
	mark   []byte
	decode func([]byte) (string, bool)
}

var boms = []bom{
	{[]byte{0xEF, 0xBB, 0xBF}, decodeUTF8},
	{[]byte{0x00, 0x00, 0xFE, 0xFF}, func(b []byte) (string, bool) {
		return decodeUTF32(b, binary.BigEndian)
	}},
	{[]byte{0xFF, 0xFE, 0x00, 0x00}, func(b []byte) (string, bool) {
		return decodeUTF32(b, binary.LittleEndian)
	}},
	{[]byte{0xFE, 0xFF}, func(b []byte) (string, bool) {
		return decodeUTF16(b, binary.BigEndian)
	}},
	{[]byte{0xFF, 0xFE}, func(b []byte) (string, bool) {
		return decodeUTF16(b, binary.LittleEndian)
	}},
}

// codingRE is PEP 263's coding declaration as pip searches for it.
var codingRE = regexp.MustCompile(`coding[:=][ \t\f\v\r]*([-\w.]+)`)

// decode returns the text of a requirements file. A problem it reports
// (an unknown codec, bytes that are not valid in the codec) does not stop
// it: invalid bytes become U+FFFD.
func decode(data []byte) (text string, problem string) {
	for _, b := range boms {
		if bytes.HasPrefix(data, b.mark) {
			s, ok := b.decode(data[len(b.mark):])
			if !ok {
				return s, "the text is not valid in the encoding its byte order mark names"
			}
			return s, ""
		}
	}
	// PEP 263: a "# -*- coding: X -*-" comment on one of the first two lines.
	for i, line := range bytes.SplitN(data, []byte("\n"), 3) {
		if i == 2 {
			break
		}
		if len(line) == 0 || line[0] != '#' {
			continue
		}
		m := codingRE.FindSubmatch(line)
		if m == nil {
			continue
		}
		name := string(m[1])
		enc := lookupCodec(name)
		if enc == nil {
			s, _ := decodeUTF8(data)
			return s, fmt.Sprintf("unknown encoding %q in the coding declaration; read as UTF-8",
				name)
		}
		if enc == encoding.Nop {
			break
		}
		out, err := enc.NewDecoder().Bytes(data)
		if err != nil {
			s, _ := decodeUTF8(data)
			return s, fmt.Sprintf("the text is not valid %s: %v", name, err)
		}
		return string(out), ""
	}
	s, ok := decodeUTF8(data)
	if !ok {
		return s, "the text is not valid UTF-8 (pip would fall back to the locale's encoding)"
	}
	return s, ""
}

// lookupCodec finds the codec of a Python coding name. encoding.Nop stands
// for UTF-8.
func lookupCodec(name string) encoding.Encoding {
	n := strings.ReplaceAll(strings.ToLower(name), "_", "-")
	switch n {
	case "utf-8", "utf8", "u8", "utf", "utf8-ucs2", "utf8-ucs4", "ascii", "us-ascii", "646":
		// ASCII is read as UTF-8, its superset.
		return encoding.Nop
	case "latin-1", "latin1", "l1", "iso-8859-1", "iso8859-1", "8859", "cp819":
		return charmap.ISO8859_1
	}
	for _, cand := range []string{
		n, strings.ReplaceAll(n, "-", ""), strings.Replace(n, "iso", "iso-", 1),
	} {
		if enc, err := ianaindex.IANA.Encoding(cand); err == nil && enc != nil {
			return enc
		}
	}
	if strings.HasPrefix(n, "cp") {
		if enc, err := ianaindex.IANA.Encoding("windows-" + n[2:]); err == nil && enc != nil {
			return enc
		}
	}
	return nil
}

func decodeUTF8(b []byte) (string, bool) {
	if utf8.Valid(b) {
		return string(b), true
	}
	return strings.ToValidUTF8(string(b), "\uFFFD"), false
}

func decodeUTF16(b []byte, order binary.ByteOrder) (string, bool) {
	ok := len(b)%2 == 0
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, order.Uint16(b[i:]))
	}
	runes := utf16.Decode(u)
	for _, r := range runes {
		if r == utf8.RuneError {
			ok = false
		}
	}
	return string(runes), ok
}

func decodeUTF32(b []byte, order binary.ByteOrder) (string, bool) {
	ok := len(b)%4 == 0
	var sb strings.Builder
	for i := 0; i+3 < len(b); i += 4 {
		r := rune(order.Uint32(b[i:]))
		if !utf8.ValidRune(r) {
			r, ok = utf8.RuneError, false
		}
		sb.WriteRune(r)
	}
	return sb.String(), ok
}

// lineBreakByte marks the bytes that end a line or may start one of the
// multi-byte line breaks.
var lineBreakByte = func() (t [256]bool) {
	for _, c := range []byte("\n\v\f\r\x1c\x1d\x1e\xc2\xe2") {
		t[c] = true
	}
	return t
}()

// splitLines splits text like Python's str.splitlines: \n, \r\n, a lone \r,
// \v, \f, \x1c, \x1d, \x1e, \x85, U+2028 and U+2029 all end a line, and a
// final line break does not start another line. breaks is how many line
// breaks the caller counted, for the slice's capacity.
func splitLines(text string, breaks int) []string {
	lines := make([]string, 0, breaks+1)
	start := 0
	for i := 0; i < len(text); {
		for i < len(text) && !lineBreakByte[text[i]] {
			i++
		}
		if i == len(text) {
			break
		}
		c := text[i]
		size := 1
		switch {
		case c == '\n' || c == '\v' || c == '\f' || c == '\x1c' || c == '\x1d' || c == '\x1e':
		case c == '\r':
			if i+1 < len(text) && text[i+1] == '\n' {
				size = 2
			}
		case c == 0xC2 || c == 0xE2: // the lead bytes of U+0085, U+2028, U+2029
			r, n := utf8.DecodeRuneInString(text[i:])
			if r != '\u0085' && r != '\u2028' && r != '\u2029' {
				i += n
				continue
			}
			size = n
		default:
			i++
			continue
		}
		lines = append(lines, text[start:i])
		i += size
		start = i
	}
	if start < len(text) {
		lines = append(lines, text[start:])
	}
	return lines
}

// isSpace reports whether Python's str.isspace (and so the \s of a str
// regular expression) holds for r.
func isSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiSpace[r]
	}
	return unicode.IsSpace(r)
}

// asciiSpace holds isSpace for ASCII: a table, as isSpace is called for
// most bytes of a file.
var asciiSpace = func() (t [utf8.RuneSelf]bool) {
	for c := range rune(utf8.RuneSelf) {
		t[c] = unicode.IsSpace(c) || (c >= 0x1c && c <= 0x1f)
	}
	return t
}()

// isCommentLine reports whether line is a comment line for pip: optional
// whitespace, then "#".
func isCommentLine(line string) bool {
	for _, r := range line {
		if !isSpace(r) {
			return r == '#'
		}
	}
	return false
}

// logical is a line after continuation joining. It keeps the physical lines
// it was made of, for line numbers and annotations.
type logical struct {
	first, last int // physical line numbers, from 1
	text        string
}

// joinLines joins continuation lines exactly as pip's join_lines does: a
// line ending in a backslash is joined to the next one with nothing
// inserted after stripping backslashes from both of its ends; a comment line
// never continues and ends a pending continuation (its text is appended, to
// be stripped as a comment later); so does a blank line. It yields the
// logical lines one by one, so that a reader who stops early holds none
// of the rest.
func joinLines(lines []string) iter.Seq[logical] {
	return func(yield func(logical) bool) {
		var pending []string
		first := 0
		for i, line := range lines {
			n := i + 1
			comment := isCommentLine(line)
			if !strings.HasSuffix(line, `\`) || comment {
				l := logical{first: n, last: n, text: line}
				if first != 0 {
					if comment {
						line = " " + line // keeps it a comment after the join
					}
					pending = append(pending, line)
					l = logical{first: first, last: n, text: strings.Join(pending, "")}
					pending, first = pending[:0], 0
				}
				if !yield(l) {
					return
				}
				continue
			}
			if first == 0 {
				first = n
			}
			pending = append(pending, strings.Trim(line, `\`))
		}
		if first != 0 {
			yield(logical{first: first, last: len(lines), text: strings.Join(pending, "")})
		}
	}
}

// commentStart returns where pip's comment pattern (^|\s+)#.*$ starts in s,
// or -1: a "#" at the start or after whitespace, together with that
// whitespace.
func commentStart(s string) int {
	for j := 0; j < len(s); j++ {
		next := strings.IndexByte(s[j:], '#')
		if next < 0 {
			return -1
		}
		j += next
		if j == 0 {
			return 0
		}
		k := j
		for k > 0 {
			r, size := utf8.DecodeLastRuneInString(s[:k])
			if !isSpace(r) {
				break
			}
			k -= size
		}
		if k < j {
			return k
		}
	}
	return -1
}

// stripComment removes a comment and surrounding whitespace from a logical
// line, as pip's ignore_comments does.
func stripComment(s string) string {
	if i := commentStart(s); i >= 0 {
		s = s[:i]
	}
	return strings.TrimFunc(s, isSpace)
}

// envRE is pip's ${NAME} pattern: only upper-case letters, digits and "_".
var envRE = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// envVar is a ${NAME} reference and the value it expanded to.
type envVar struct {
	name, value string
}

// expandEnv replaces ${NAME} with the variable's value as pip does: every
// occurrence, one name after another; an unset or empty variable stays as
// written. It returns the references it expanded and the names it left
// unexpanded.
func expandEnv(s string, getenv func(string) string) (string, []envVar, []string) {
	if !strings.Contains(s, "${") {
		return s, nil, nil
	}
	var set []envVar
	var unset []string
	for _, m := range envRE.FindAllStringSubmatch(s, -1) {
		value := getenv(m[1])
		if value == "" {
			unset = append(unset, m[1])
			continue
		}
		if strings.Contains(s, m[0]) {
			set = append(set, envVar{name: m[1], value: value})
		}
		s = strings.ReplaceAll(s, m[0], value)
	}
	return s, set, unset
}
