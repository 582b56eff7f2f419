package lockfile

import (
	"github.com/sentrikat/sbompipe/internal/textsafe"
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

// display is the form of a message or a file name in a report: control
// characters escaped, at most maxMessage runes.
func display(s string) string {
	return clipTo(textsafe.Control(s), maxMessage)
}
