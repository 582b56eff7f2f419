package lockfile

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file keeps what messages echo from their input readable and
// harmless: a piece of input is cut to a sensible length, and control
// characters (a terminal's escape sequences, line breaks, bidirectional
// overrides that reorder what is shown) are written as escapes.

// maxEcho is how much of a piece of input a message quotes, and
// maxMessage how long a whole message may get, in runes.
const (
	maxEcho    = 200
	maxMessage = 2000
)

// clip cuts s to maxEcho runes, marking the cut with "…", so that a huge
// line does not make a huge message.
func clip(s string) string {
	return clipTo(s, maxEcho)
}

func clipTo(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos] + "…"
		}
		i++
	}
	return s
}

// escapeControl writes every control character of s, every
// bidirectional formatting character and every byte that is not UTF-8
// the way Go's %q does inside quotes ("\x1b", "\u202e"), and keeps the
// rest as it is.
func escapeControl(s string) string {
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

// display is the form of a message or a file name in a report: control
// characters escaped, at most maxMessage runes.
func display(s string) string {
	return clipTo(escapeControl(s), maxMessage)
}
