// Package textsafe keeps text taken from inputs harmless where sbompipe
// prints it: a terminal's escape sequences, line breaks that would start
// a GitHub Actions workflow command, and bidirectional overrides that
// reorder what is shown are written as escapes.
package textsafe

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Control writes every control character of s, every
// bidirectional formatting character and every byte that is not UTF-8
// the way Go's %q does inside quotes ("\x1b", "\u202e"), and keeps the
// rest as it is.
func Control(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x` + strconv.FormatUint(uint64(s[i])|0x100, 16)[1:])
		case unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r):
			q := strconv.QuoteRuneToASCII(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Lines is Control for text of several lines: the line breaks between them
// are kept, every other control character is escaped (a carriage return
// too, which would let a line overwrite the one before).
func Lines(s string) string {
	if !strings.Contains(s, "\n") {
		return Control(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = Control(l)
	}
	return strings.Join(lines, "\n")
}

// HasControl reports whether s holds a control character, a
// bidirectional formatting character or a byte that is not UTF-8:
// whatever Control would escape.
func HasControl(s string) bool {
	return Control(s) != s
}
