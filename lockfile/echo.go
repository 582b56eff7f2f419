package lockfile

// maxEcho is how much of a piece of input a message quotes, in runes.
const maxEcho = 200

// clip cuts s to maxEcho runes, marking the cut with "…", so that a huge
// line does not make a huge message.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	n := 0
	for i := range s {
		if n == maxEcho {
			return s[:i] + "…"
		}
		n++
	}
	return s
}
