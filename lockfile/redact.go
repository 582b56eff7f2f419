package lockfile

import (
	"regexp"
	"strings"
)

// userinfoRE matches "scheme://" and the user information of a URL: up to
// the last "@" before the first "/" or white space, so that a password
// holding an "@" is matched whole while an "@" in a path (a git ref, as in
// git+https://host/org/repo@v1.0) is left alone.
var userinfoRE = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.-]*://)([^/\s]*)@`)

// secretQueryRE matches a query (or fragment) parameter that carries a
// credential, and its value (which ends where a URL cannot go on: at white
// space or at a character that must be percent-encoded).
var secretQueryRE = regexp.MustCompile(
	`(?i)([?&;#](?:token|access_token|auth_token|private_token|` +
		`api_key|apikey|password|passwd|secret|client_secret|sig|` +
		`x-amz-signature|x-amz-credential|x-amz-security-token)=)([^&#\s"<>]*)`)

// Redact removes the credentials from every URL inside s, so that s can be
// printed: "user:secret@" and "token@" go, and the value of a query
// parameter such as ?token= or ?access_token= becomes REDACTED. Credentials
// written as ${VAR} references only are no secret and are kept. A password
// with an unencoded "/" cannot be told from a path; print what the user
// wrote (Option.Written, Requirement.WrittenURL) rather than expanded values.
func Redact(s string) string {
	if strings.Contains(s, "://") {
		s = userinfoRE.ReplaceAllStringFunc(s, func(m string) string {
			scheme, info, _ := strings.Cut(m, "://")
			if onlyVars(strings.TrimSuffix(info, "@")) {
				return m
			}
			return scheme + "://"
		})
	}
	if strings.ContainsAny(s, "?&;#") {
		s = secretQueryRE.ReplaceAllStringFunc(s, func(m string) string {
			name, value, _ := strings.Cut(m, "=")
			if onlyVars(value) {
				return m
			}
			return name + "=REDACTED"
		})
	}
	return s
}

// onlyVars reports whether s is made of nothing but ${NAME} references and
// colons: text that pip expands, no secret in itself.
func onlyVars(s string) bool {
	return strings.Trim(envRE.ReplaceAllString(s, ""), ":") == "" && s != ""
}

// sshSchemes are the VCS schemes whose URLs name a login ("git@host"),
// which is no secret.
var sshSchemes = map[string]bool{
	"git+ssh": true, "hg+ssh": true, "svn+ssh": true, "bzr+ssh": true, "bzr+sftp": true,
}

// literalCredential says what credential a URL as written in a file holds
// that is not a ${VAR} reference: "a password" (user:secret@), "a token"
// (token@; for ssh URLs, user@ is a login and not counted) or "a token in
// its query" (?token=…), or "" when it has none.
func literalCredential(written string) string {
	if m := userinfoRE.FindStringSubmatch(written); m != nil {
		user, pass, hasPass := strings.Cut(m[2], ":")
		switch {
		case hasPass && pass != "" && !onlyVars(pass):
			return "a password"
		case !hasPass && !onlyVars(user) && !sshSchemes[scheme(written)]:
			return "a token"
		}
	}
	for _, m := range secretQueryRE.FindAllStringSubmatch(written, -1) {
		if m[2] != "" && !onlyVars(m[2]) {
			return "a token in its query (" + strings.TrimLeft(m[1], "?&;") + "…)"
		}
	}
	return ""
}
