package lockfile

import (
	"fmt"
	"regexp"
	"strings"

	pep440 "github.com/aquasecurity/go-pep440-version"
)

// depSpec is the part of a PEP 508 dependency (a Requires-Dist value) that
// the lock needs to draw its "# via" graph: whose name, with which extras,
// under which marker.
type depSpec struct {
	name   string // canonical
	extras []string
	marker string
}

var depName = regexp.MustCompile(
	`^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[([^\]]*)\])?`)

// parseDep reads a PEP 508 dependency such as
// `requests[socks]>=2; python_version >= "3.8"`.
// See https://peps.python.org/pep-0508/.
func parseDep(s string) (depSpec, error) {
	m := depName.FindStringSubmatch(s)
	if m == nil {
		return depSpec{}, fmt.Errorf("dependency %q: no project name", s)
	}
	d := depSpec{name: Canonical(m[1])}
	for _, e := range strings.Split(m[2], ",") {
		if e = strings.TrimSpace(e); e != "" {
			d.extras = append(d.extras, Canonical(e))
		}
	}
	rest := s[len(m[0]):]
	// A URL requirement ends at "; " (its URL may hold a ";"); others at ";".
	sep := ";"
	if strings.HasPrefix(strings.TrimSpace(rest), "@") {
		sep = "; "
	}
	if _, marker, ok := strings.Cut(rest, sep); ok {
		d.marker = strings.TrimSpace(marker)
	}
	return d, nil
}

// markerEnv is the environment a marker is evaluated in: pip's report gives
// the marker variables of the interpreter it resolved for.
type markerEnv map[string]string

// evalMarker reports whether a PEP 508 marker holds in env when the
// dependency's owner was installed with the given (canonical) extras. An
// empty marker holds.
func evalMarker(marker string, env markerEnv, extras []string) (bool, error) {
	if strings.TrimSpace(marker) == "" {
		return true, nil
	}
	toks, err := tokenizeMarker(marker)
	if err != nil {
		return false, fmt.Errorf("marker %q: %w", marker, err)
	}
	p := &markerParser{toks: toks, env: env, extras: extras}
	ok, err := p.or()
	if err == nil && p.pos < len(p.toks) {
		err = fmt.Errorf("unexpected %q", p.toks[p.pos].text)
	}
	if err != nil {
		return false, fmt.Errorf("marker %q: %w", marker, err)
	}
	return ok, nil
}

type markerTok struct {
	kind byte // 's' string, 'v' variable, 'o' operator, '(' or ')', 'a' and, 'r' or
	text string
}

var markerOps = []string{"===", "==", "!=", "<=", ">=", "~=", "<", ">"}

func tokenizeMarker(s string) ([]markerTok, error) {
	var toks []markerTok
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '(' || c == ')':
			toks = append(toks, markerTok{kind: c, text: string(c)})
			i++
		case c == '"' || c == '\'':
			end := strings.IndexByte(s[i+1:], c)
			if end < 0 {
				return nil, fmt.Errorf("unterminated string")
			}
			toks = append(toks, markerTok{kind: 's', text: s[i+1 : i+1+end]})
			i += end + 2
		case strings.ContainsRune("=!<>~", rune(c)):
			op := ""
			for _, o := range markerOps {
				if strings.HasPrefix(s[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("bad operator at %q", s[i:])
			}
			toks = append(toks, markerTok{kind: 'o', text: op})
			i += len(op)
		default:
			j := i
			for j < len(s) && (s[j] == '_' || s[j] == '.' || isAlnum(s[j])) {
				j++
			}
			if j == i {
				return nil, fmt.Errorf("unexpected %q", s[i:])
			}
			word := s[i:j]
			switch word {
			case "and":
				toks = append(toks, markerTok{kind: 'a', text: word})
			case "or":
				toks = append(toks, markerTok{kind: 'r', text: word})
			case "in":
				toks = append(toks, markerTok{kind: 'o', text: word})
			case "not":
				toks = append(toks, markerTok{kind: 'o', text: "not in"})
				j = skipWord(s, j, "in")
				if j < 0 {
					return nil, fmt.Errorf(`"not" without "in"`)
				}
			default:
				toks = append(toks, markerTok{kind: 'v', text: word})
			}
			i = j
		}
	}
	return toks, nil
}

// skipWord skips spaces and then word at s[i:], returning the index after
// it, or -1 if word is not there.
func skipWord(s string, i int, word string) int {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	if !strings.HasPrefix(s[i:], word) {
		return -1
	}
	return i + len(word)
}

type markerParser struct {
	toks   []markerTok
	pos    int
	env    markerEnv
	extras []string
}

func (p *markerParser) peek() byte {
	if p.pos < len(p.toks) {
		return p.toks[p.pos].kind
	}
	return 0
}

func (p *markerParser) or() (bool, error) {
	v, err := p.and()
	for err == nil && p.peek() == 'r' {
		p.pos++
		var w bool
		w, err = p.and()
		v = v || w
	}
	return v, err
}

func (p *markerParser) and() (bool, error) {
	v, err := p.expr()
	for err == nil && p.peek() == 'a' {
		p.pos++
		var w bool
		w, err = p.expr()
		v = v && w
	}
	return v, err
}

func (p *markerParser) expr() (bool, error) {
	if p.peek() == '(' {
		p.pos++
		v, err := p.or()
		if err != nil {
			return false, err
		}
		if p.peek() != ')' {
			return false, fmt.Errorf("missing )")
		}
		p.pos++
		return v, nil
	}
	if p.pos+3 > len(p.toks) {
		return false, fmt.Errorf("incomplete comparison")
	}
	l, op, r := p.toks[p.pos], p.toks[p.pos+1], p.toks[p.pos+2]
	if op.kind != 'o' || !isOperand(l) || !isOperand(r) {
		return false, fmt.Errorf("bad comparison %q %q %q", l.text, op.text, r.text)
	}
	p.pos += 3
	if l.kind == 'v' && l.text == "extra" || r.kind == 'v' && r.text == "extra" {
		return p.compareExtra(l, op.text, r)
	}
	lv, err := p.value(l)
	if err != nil {
		return false, err
	}
	rv, err := p.value(r)
	if err != nil {
		return false, err
	}
	return compareMarker(lv, op.text, rv), nil
}

func isOperand(t markerTok) bool { return t.kind == 's' || t.kind == 'v' }

func (p *markerParser) value(t markerTok) (string, error) {
	if t.kind == 's' {
		return t.text, nil
	}
	v, ok := p.env[t.text]
	if !ok {
		return "", fmt.Errorf("unknown variable %s", t.text)
	}
	return v, nil
}

// compareExtra evaluates `extra == "name"`: true when the owner was
// installed with that extra. Names compare in canonical form (PEP 685).
func (p *markerParser) compareExtra(l markerTok, op string, r markerTok) (bool, error) {
	want := r
	if r.kind == 'v' {
		want = l
	}
	if want.kind != 's' || op != "==" && op != "!=" {
		return false, fmt.Errorf("bad extra comparison")
	}
	has := false
	for _, e := range p.extras {
		if e == Canonical(want.text) {
			has = true
		}
	}
	return has == (op == "=="), nil
}

// compareMarker compares as PEP 440 versions when both sides are versions
// and as strings otherwise, as the packaging library does.
func compareMarker(l, op, r string) bool {
	switch op {
	case "in":
		return strings.Contains(r, l)
	case "not in":
		return !strings.Contains(r, l)
	case "===":
		return l == r
	}
	if lv, err := pep440.Parse(l); err == nil {
		if ok, err := specContains(lv, op+r); err == nil {
			return ok
		}
	}
	switch op {
	case "==":
		return l == r
	case "!=":
		return l != r
	}
	return false
}
