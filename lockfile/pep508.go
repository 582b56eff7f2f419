package lockfile

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// This file parses PEP 508 dependency specifiers
// (https://packaging.python.org/en/latest/specifications/dependency-specifiers/)
// as the packaging library that pip vendors does: a name, extras, then a
// version specifier or "@ url". Markers are checked for syntax only.

// pep508 is a parsed dependency specifier without its marker.
type pep508 struct {
	name      string
	extras    []string
	specifier string // clauses joined by ",", without spaces
	url       string
}

// versionRE is PEP 440's version pattern (packaging's VERSION_PATTERN).
var versionRE = regexp.MustCompile(`(?i)^v?(?:(?:[0-9]+!)?[0-9]+(?:\.[0-9]+)*` +
	`(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?` +
	`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?` +
	`(?:[-_.]?dev[-_.]?[0-9]*)?)(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`)

// specOps are the comparison operators, longest first.
var specOps = []string{"===", "~=", "==", "!=", "<=", ">=", "<", ">"}

// takeOp takes a comparison operator, or returns "" when none is next.
func takeOp(sc *scanner) string {
	for _, o := range specOps {
		if sc.take(o) {
			return o
		}
	}
	return ""
}

// scanner walks a string for the small parsers of this file.
type scanner struct {
	s string
	i int
}

func (sc *scanner) ws() {
	for sc.i < len(sc.s) && (sc.s[sc.i] == ' ' || sc.s[sc.i] == '\t') {
		sc.i++
	}
}

func (sc *scanner) eof() bool { return sc.i >= len(sc.s) }

func (sc *scanner) peek(prefix string) bool { return strings.HasPrefix(sc.s[sc.i:], prefix) }

func (sc *scanner) take(prefix string) bool {
	if sc.peek(prefix) {
		sc.i += len(prefix)
		return true
	}
	return false
}

// ident reads a run of name characters.
func (sc *scanner) ident() string {
	start := sc.i
	for sc.i < len(sc.s) {
		c := sc.s[sc.i]
		if c == '-' || c == '_' || c == '.' || ('0' <= c && c <= '9') ||
			('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			sc.i++
			continue
		}
		break
	}
	return sc.s[start:sc.i]
}

// parsePEP508 parses name[extras] followed by a specifier or "@ url".
func parsePEP508(s string) (pep508, error) {
	var r pep508
	sc := &scanner{s: s}
	sc.ws()
	r.name = sc.ident()
	if !validName(r.name) {
		return r, invalidReq(s, "expected a project name at the start")
	}
	sc.ws()
	if sc.take("[") {
		for {
			sc.ws()
			if sc.take("]") {
				break
			}
			e := sc.ident()
			if !validName(e) {
				return r, invalidReq(s, "expected an extra name inside [...]")
			}
			r.extras = append(r.extras, e)
			sc.ws()
			if sc.take(",") {
				continue
			}
			if !sc.take("]") {
				return r, invalidReq(s, "expected \",\" or \"]\" after an extra")
			}
			break
		}
		sc.ws()
	}
	if sc.take("@") {
		sc.ws()
		start := sc.i
		for !sc.eof() && sc.s[sc.i] != ' ' && sc.s[sc.i] != '\t' {
			sc.i++
		}
		r.url = sc.s[start:sc.i]
		if r.url == "" {
			return r, invalidReq(s, "expected a URL after \"@\"")
		}
		sc.ws()
		if !sc.eof() {
			return r, invalidReq(s, "unexpected text after the URL")
		}
		return r, nil
	}
	paren := sc.take("(")
	spec, err := parseSpecifier(sc)
	if err != nil {
		return r, invalidReq(s, err.Error())
	}
	r.specifier = spec
	sc.ws()
	if paren && !sc.take(")") {
		return r, invalidReq(s, "expected \")\" after the version specifier")
	}
	sc.ws()
	if !sc.eof() {
		msg := "unexpected text after the version specifier"
		if sc.peek("=") || (strings.Contains(s, "=") && spec == "") {
			msg = "\"=\" is not a version operator (did you mean \"==\"?)"
		}
		return r, invalidReq(s, msg)
	}
	return r, nil
}

func invalidReq(s, why string) error {
	return fmt.Errorf("invalid requirement %q: %s", clip(s), why)
}

// parseSpecifier reads comma-separated clauses "op version" and returns them
// without whitespace.
func parseSpecifier(sc *scanner) (string, error) {
	var clauses []string
	for {
		sc.ws()
		op := takeOp(sc)
		if op == "" {
			if len(clauses) == 0 {
				return "", nil
			}
			return "", errors.New("expected a version operator after \",\"")
		}
		sc.ws()
		start := sc.i
		for !sc.eof() && !strings.ContainsRune(" \t,;)", rune(sc.s[sc.i])) {
			sc.i++
		}
		v := sc.s[start:sc.i]
		if err := checkVersion(op, v); err != nil {
			return "", err
		}
		clauses = append(clauses, op+v)
		sc.ws()
		if !sc.take(",") {
			return strings.Join(clauses, ","), nil
		}
	}
}

// checkVersion checks the version of one clause as packaging's Specifier
// does: === takes anything, == and != allow a trailing .*, ~= needs two
// release numbers.
func checkVersion(op, v string) error {
	if v == "" {
		return fmt.Errorf("expected a version after %q", op)
	}
	switch op {
	case "===":
		return nil
	case "==", "!=":
		base := strings.TrimSuffix(v, ".*")
		if base != v && strings.Contains(base, "+") {
			return fmt.Errorf("%s%s: a wildcard cannot follow a local version", op, clip(v))
		}
		v = base
	case "~=":
		if !strings.Contains(v, ".") {
			return fmt.Errorf("~=%s: ~= needs at least two release numbers", clip(v))
		}
	}
	if !plainRelease(v) && !versionRE.MatchString(v) {
		return fmt.Errorf("%q is not a PEP 440 version (pip 24.1 and later refuse it)", clip(v))
	}
	return nil
}

// plainRelease reports whether v is a plain release like 1.2.3, the
// common case, which needs no regular expression.
func plainRelease(v string) bool {
	dot := true // no leading dot, no two dots in a row
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == '.' && !dot:
			dot = true
		case '0' <= c && c <= '9':
			dot = false
		default:
			return false
		}
	}
	return !dot
}

// pinnedVersion returns the version of a specifier that is one "==" or
// "===" clause without a wildcard (see pipClause), or "".
func pinnedVersion(spec string) string {
	spec = pipClause(spec)
	if spec == "" || strings.Contains(spec, ",") {
		return ""
	}
	if v, ok := strings.CutPrefix(spec, "==="); ok {
		return v
	}
	if v, ok := strings.CutPrefix(spec, "=="); ok && !strings.HasSuffix(v, ".*") {
		return v
	}
	return ""
}

// pipClause returns the one clause a specifier stands for when all its
// clauses are the same "==" or "===" pin, and spec otherwise. pip keeps a
// specifier as a set, so "==1.0,==1.0" is one clause and pinned for its
// is_pinned (pip 23.2.1 as later ones); clauses count as the same when
// their "==" versions are equal by PEP 440 ("==1.0,==1") or their "==="
// or wildcard versions are the same text, where every pip agrees.
func pipClause(spec string) string {
	first, rest, ok := strings.Cut(spec, ",")
	if !ok {
		return spec
	}
	for _, c := range strings.Split(rest, ",") {
		switch {
		case c == first:
		case strings.HasPrefix(c, "==") && !strings.HasPrefix(c, "===") &&
			strings.HasPrefix(first, "==") && !strings.HasPrefix(first, "===") &&
			!strings.HasSuffix(c, ".*") && !strings.HasSuffix(first, ".*") &&
			sameVersion(c[2:], first[2:]):
		default:
			return spec
		}
	}
	return first
}

// markerVars are the PEP 508 marker variables, with the legacy dotted
// spellings packaging still accepts.
var markerVars = map[string]bool{
	"python_version": true, "python_full_version": true, "os_name": true, "sys_platform": true,
	"platform_release": true, "platform_system": true, "platform_version": true,
	"platform_machine": true, "platform_python_implementation": true,
	"implementation_name": true, "implementation_version": true, "extra": true,
	"dependency_groups": true, "extras": true,
	"os.name": true, "sys.platform": true, "platform.version": true, "platform.machine": true,
	"platform.python_implementation": true, "python_implementation": true,
}

// checkMarker checks the syntax of a PEP 508 marker:
// expr := and_expr ("or" and_expr)*; and_expr := atom ("and" atom)*;
// atom := "(" expr ")" | value op value; value := variable | quoted string.
func checkMarker(m string) error {
	sc := &scanner{s: m}
	if err := markerOr(sc); err != nil {
		return err
	}
	sc.ws()
	if !sc.eof() {
		return fmt.Errorf("unexpected %q", clip(sc.s[sc.i:]))
	}
	return nil
}

func markerOr(sc *scanner) error {
	return markerChain(sc, "or", markerAnd)
}

func markerAnd(sc *scanner) error {
	return markerChain(sc, "and", markerAtom)
}

// markerChain reads operands joined by a keyword ("and", "or").
func markerChain(sc *scanner, word string, operand func(*scanner) error) error {
	for {
		if err := operand(sc); err != nil {
			return err
		}
		if !takeWord(sc, word) {
			return nil
		}
	}
}

func markerAtom(sc *scanner) error {
	sc.ws()
	if sc.take("(") {
		if err := markerOr(sc); err != nil {
			return err
		}
		sc.ws()
		if !sc.take(")") {
			return errors.New(`expected ")"`)
		}
		return nil
	}
	if err := markerValue(sc); err != nil {
		return err
	}
	sc.ws()
	switch {
	case takeWord(sc, "in"):
	case takeWord(sc, "not"):
		if !takeWord(sc, "in") {
			return errors.New(`expected "in" after "not"`)
		}
	default:
		if takeOp(sc) == "" {
			return errors.New("expected a comparison operator")
		}
	}
	return markerValue(sc)
}

func markerValue(sc *scanner) error {
	sc.ws()
	if sc.eof() {
		return errors.New("expected a marker variable or a quoted string")
	}
	if q := sc.s[sc.i]; q == '"' || q == '\'' {
		end := strings.IndexByte(sc.s[sc.i+1:], q)
		if end < 0 {
			return errors.New("unterminated string")
		}
		sc.i += end + 2
		return nil
	}
	v := sc.ident()
	if !markerVars[v] {
		if v == "" {
			return errors.New("expected a marker variable or a quoted string")
		}
		return fmt.Errorf("unknown marker variable %q", clip(v))
	}
	return nil
}

// takeWord consumes a keyword that is followed by a non-name character.
func takeWord(sc *scanner, w string) bool {
	sc.ws()
	if !sc.peek(w) {
		return false
	}
	end := sc.i + len(w)
	if end < len(sc.s) {
		c := sc.s[end]
		if c == '_' || c == '.' || ('0' <= c && c <= '9') ||
			('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	sc.i = end
	return true
}

// normMarker returns a marker in a form that compares equal across quote
// styles and spacing: uv's python_full_version < '3.11' and pip-compile's
// python_full_version < "3.11" are the same marker.
func normMarker(m string) string {
	m = strings.ReplaceAll(m, "'", `"`)
	return strings.Join(strings.FieldsFunc(m, isSpace), "")
}
