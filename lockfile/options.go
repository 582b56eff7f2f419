package lockfile

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// This file parses the options part of a line the way pip does: the text
// from the first token that starts with "-" is split like Python's
// shlex.split and read by an optparse parser (rules B6–B9 of the
// reference).

// optScope says where pip honours an option.
type optScope int

const (
	scopeGlobal  optScope = iota // an option line: index, includes, -e …
	scopeReq                     // per requirement: --hash, --config-settings
	scopeRemoved                 // refused by current pip
)

// optSpec describes one option pip accepts in a requirements file.
type optSpec struct {
	name    string // long name without dashes
	short   byte   // short form, or 0
	aliases []string
	value   bool // takes an argument
	scope   optScope
	removed string // why a scopeRemoved option is refused
}

// optSpecs are the options of pip's SUPPORTED_OPTIONS and
// SUPPORTED_OPTIONS_REQ (pip 26), plus the ones newer pips refuse.
var optSpecs = []optSpec{
	{name: "index-url", short: 'i', aliases: []string{"pypi-url"}, value: true},
	{name: "extra-index-url", value: true},
	{name: "no-index"},
	{name: "constraint", short: 'c', value: true},
	{name: "requirement", short: 'r', value: true},
	{name: "editable", short: 'e', value: true},
	{name: "find-links", short: 'f', value: true},
	{name: "no-binary", value: true},
	{name: "only-binary", value: true},
	{name: "prefer-binary"},
	{name: "require-hashes"},
	{name: "no-require-hashes"},
	{name: "pre"},
	{name: "all-releases", value: true},
	{name: "only-final", value: true},
	{name: "trusted-host", value: true},
	{name: "use-feature", value: true},
	{name: "hash", value: true, scope: scopeReq},
	{name: "config-settings", short: 'C', value: true, scope: scopeReq},
	{name: "global-option", value: true, scope: scopeRemoved,
		removed: "pip 25.3 and later refuse --global-option in requirements files"},
	{name: "install-option", value: true, scope: scopeRemoved,
		removed: "pip 23.1 and later refuse --install-option"},
}

// longOpts maps every long spelling ("index-url", "pypi-url") to its spec.
var longOpts = func() map[string]*optSpec {
	m := map[string]*optSpec{}
	for i := range optSpecs {
		s := &optSpecs[i]
		m[s.name] = s
		for _, a := range s.aliases {
			m[a] = s
		}
	}
	return m
}()

// optHit is one option as it occurred on a line.
type optHit struct {
	spec  *optSpec
	value string
}

// lineOpts is the result of parsing the options part of a line.
type lineOpts struct {
	hits       []optHit
	positional []string // arguments optparse would ignore
}

// has reports whether the option named name occurred.
func (o *lineOpts) has(name string) bool {
	for _, h := range o.hits {
		if h.spec.name == name {
			return true
		}
	}
	return false
}

// values returns the arguments of every occurrence of the option name.
func (o *lineOpts) values(name string) []string {
	var vs []string
	for _, h := range o.hits {
		if h.spec.name == name {
			vs = append(vs, h.value)
		}
	}
	return vs
}

// parseOptions reads tokens the way optparse does: long options may be
// abbreviated to an unambiguous prefix and take their argument after "=" or
// as the next token; short options take it glued on or as the next token;
// "--" ends the options; anything else is a positional argument.
func parseOptions(tokens []string) (*lineOpts, error) {
	o := &lineOpts{hits: make([]optHit, 0, len(tokens))}
	for i := 0; i < len(tokens); i++ {
		tok := tokens[i]
		switch {
		case tok == "--":
			o.positional = append(o.positional, tokens[i+1:]...)
			return o, nil
		case strings.HasPrefix(tok, "--"):
			name, value, hasValue := strings.Cut(tok[2:], "=")
			spec, err := matchLong(name)
			if err != nil {
				return o, err
			}
			if !spec.value {
				if hasValue {
					return o, fmt.Errorf("--%s option does not take a value", spec.name)
				}
				o.hits = append(o.hits, optHit{spec: spec})
				continue
			}
			if !hasValue {
				if i+1 >= len(tokens) {
					return o, fmt.Errorf("--%s option requires 1 argument", spec.name)
				}
				i++
				value = tokens[i]
			}
			o.hits = append(o.hits, optHit{spec: spec, value: value})
		case len(tok) > 1 && tok[0] == '-':
			spec := matchShort(tok[1])
			if spec == nil {
				return o, fmt.Errorf("no such option: -%c", tok[1])
			}
			value := tok[2:]
			if value == "" {
				if i+1 >= len(tokens) {
					return o, fmt.Errorf("-%c option requires 1 argument", tok[1])
				}
				i++
				value = tokens[i]
			}
			o.hits = append(o.hits, optHit{spec: spec, value: value})
		default:
			o.positional = append(o.positional, tok)
		}
	}
	return o, nil
}

// matchLong finds a long option by its name or an unambiguous prefix.
func matchLong(name string) (*optSpec, error) {
	if s, ok := longOpts[name]; ok {
		return s, nil
	}
	var cands []string
	for n := range longOpts {
		if name != "" && strings.HasPrefix(n, name) {
			cands = append(cands, n)
		}
	}
	switch len(cands) {
	case 0:
		return nil, fmt.Errorf("no such option: --%s", clip(name))
	case 1:
		return longOpts[cands[0]], nil
	}
	sort.Strings(cands)
	return nil, fmt.Errorf("ambiguous option: --%s (--%s?)", clip(name),
		strings.Join(cands, ", --"))
}

func matchShort(c byte) *optSpec {
	for i := range optSpecs {
		if optSpecs[i].short != 0 && optSpecs[i].short == c {
			return &optSpecs[i]
		}
	}
	return nil
}

// shlexSplit splits s like Python's shlex.split in POSIX mode: whitespace
// separates words, a backslash escapes the next character, single quotes
// keep everything, double quotes let a backslash escape only " and \.
func shlexSplit(s string) ([]string, error) {
	// Three IndexByte calls are faster than ContainsAny, which loops over
	// the bytes.
	if strings.IndexByte(s, '\\') < 0 && strings.IndexByte(s, '\'') < 0 &&
		strings.IndexByte(s, '"') < 0 {
		return splitWords(s), nil
	}
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("no escaped character")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("no closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("no closing quotation")
			}
			inWord = true
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// splitWords splits s at runs of space, TAB, CR and LF.
func splitWords(s string) []string {
	if strings.IndexByte(s, '\t') >= 0 || strings.IndexByte(s, '\r') >= 0 ||
		strings.IndexByte(s, '\n') >= 0 {
		return splitWhitespace(s)
	}
	// Spaces only, as on every line of a lockfile: IndexByte finds the end
	// of a long word (a --hash option) faster than a loop over its bytes.
	var words []string
	for {
		s = strings.TrimLeft(s, " ")
		if s == "" {
			break
		}
		end := strings.IndexByte(s, ' ')
		if end < 0 {
			end = len(s)
		}
		words = append(words, s[:end])
		s = s[end:]
	}
	return words
}

// splitWhitespace is splitWords for text with TABs, CRs or LFs.
func splitWhitespace(s string) []string {
	var words []string
	start := -1
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n' {
			if start >= 0 {
				words = append(words, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	return words
}

// breakArgsOptions splits a logical line as pip's break_args_options does:
// the tokens (split on single spaces) before the first one starting with
// "-" are the requirement, the rest are options.
func breakArgsOptions(line string) (args, options string) {
	for i := 0; i < len(line); i++ {
		if line[i] == '-' && (i == 0 || line[i-1] == ' ') {
			if i == 0 {
				return "", line
			}
			return line[:i-1], line[i:]
		}
	}
	return line, ""
}
