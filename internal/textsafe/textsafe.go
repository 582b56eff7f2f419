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
