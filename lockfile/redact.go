package lockfile

import "regexp"

// userinfoRE matches the user-information part of a URL: "scheme://" then
// "user:secret@" or "token@", stopping at the first "/" so that an "@" in
// a path (a git ref) is left alone.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]*@`)

// Redact removes "user:secret@" and "token@" from every URL inside s, so
// that s can be printed.
func Redact(s string) string {
	return userinfoRE.ReplaceAllString(s, "$1")
}

// hasUserinfo reports whether a URL carries a user or a token.
func hasUserinfo(u string) bool {
	return userinfoRE.MatchString(u)
}
