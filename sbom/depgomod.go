package sbom

import (
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
)

// depGoMod is what the module graph takes from a dependency's go.mod
// file, read as the go command reads it (modfile.ParseLax): the module
// line, the go line and the requirements. Everything else in a
// dependency's go.mod is for its own builds.
type depGoMod struct {
	module    string
	hasModule bool
	goLine    string // "" without a go line
	require   []module.Version
}

// readDepGoMod reads a dependency's go.mod file. Parsing the module
// graph's few hundred go.mod files with modfile.ParseLax was a third of
// the time of reading the graph afresh, so the plain files nearly all
// modules have are read by scanDepGoMod, and only the others by ParseLax.
func readDepGoMod(data []byte) (depGoMod, error) {
	if m, ok := scanDepGoMod(data); ok {
		return m, nil
	}
	return laxDepGoMod(data)
}

// laxDepGoMod reads a dependency's go.mod file with modfile.ParseLax.
func laxDepGoMod(data []byte) (depGoMod, error) {
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		return depGoMod{}, err
	}
	m := depGoMod{require: make([]module.Version, 0, len(f.Require))}
	if f.Module != nil {
		m.module, m.hasModule = f.Module.Mod.Path, true
	}
	if f.Go != nil {
		m.goLine = f.Go.Version
	}
	for _, r := range f.Require {
		m.require = append(m.require, r.Mod)
	}
	return m, nil
}

// scanDepGoMod reads a go.mod file of printable ASCII without quoted
// strings, and gives the same answer as modfile.ParseLax. Where the answer
// would need more of the go.mod grammar than that (a quoted string, an
// error, an ignore directive, a character outside printable ASCII), it
// gives up (ok false) and leaves the file to ParseLax, the authority.
//
// The grammar, as x/mod's lexer and parser have it: "//" starts a comment
// to the end of the line, anywhere outside a quoted string; "/*" is an
// error; the characters ()[]{}, are tokens of their own; a line ending in
// "(" opens a block that a line starting with ")" closes; a dependency's
// go.mod is read for its module, go and require directives (and retract
// and ignore, which cannot change what is read here or are left to
// ParseLax), and every other directive is skipped unread.
func scanDepGoMod(data []byte) (m depGoMod, ok bool) {
	for _, c := range data {
		if c > '~' || c < ' ' && c != '\t' && c != '\n' && c != '\r' {
			return depGoMod{}, false
		}
	}
	text := string(data)
	var (
		toks    []string
		inBlock bool
		block   string // the directive of the block being read; "" for one skipped
		goSeen  bool
	)
	for text != "" {
		var line string
		line, text, _ = strings.Cut(text, "\n")
		code, _, _ := strings.Cut(line, "//")
		if strings.Contains(code, "/*") || strings.ContainsAny(code, "\"`'") {
			return depGoMod{}, false
		}
		toks = goModTokens(code, toks[:0])
		if len(toks) == 0 {
			continue
		}
		var verb string
		var args []string
		switch {
		case inBlock && toks[0] == ")":
			if len(toks) > 1 {
				return depGoMod{}, false
			}
			inBlock = false
			continue
		case inBlock:
			if block == "" {
				continue
			}
			verb, args = block, toks
		case isGoModPunct(toks[0]):
			return depGoMod{}, false
		case toks[len(toks)-1] == "(":
			inBlock, block = true, ""
			if len(toks) == 2 {
				switch toks[0] {
				case "module", "require":
					block = toks[0]
				case "ignore":
					return depGoMod{}, false
				}
			}
			continue
		case len(toks) >= 2 && toks[len(toks)-2] == "(" && toks[len(toks)-1] == ")":
			continue // an empty block
		default:
			verb, args = toks[0], toks[1:]
		}
		switch verb {
		case "module", "go", "require":
			// ParseLax would take a parenthesis or a comma for a path or
			// a version, or refuse it.
			if slices.ContainsFunc(args, isGoModPunct) {
				return depGoMod{}, false
			}
		}
		switch verb {
		case "module":
			if m.hasModule || len(args) != 1 {
				return depGoMod{}, false
			}
			m.module, m.hasModule = args[0], true
		case "go":
			if goSeen || len(args) != 1 || !modfile.GoVersionRE.MatchString(args[0]) {
				return depGoMod{}, false
			}
			m.goLine, goSeen = args[0], true
		case "require":
			if len(args) != 2 {
				return depGoMod{}, false
			}
			v := module.CanonicalVersion(args[1])
			_, major, pathOK := module.SplitPathVersion(args[0])
			if v == "" || !pathOK || module.CheckPathMajor(v, major) != nil {
				return depGoMod{}, false
			}
			m.require = append(m.require, module.Version{Path: args[0], Version: v})
		case "ignore":
			return depGoMod{}, false
		}
	}
	if inBlock {
		return depGoMod{}, false // a block left open is an error
	}
	return m, true
}

// goModTokens appends the tokens of one line of a go.mod file, its
// comment cut off, to toks.
func goModTokens(code string, toks []string) []string {
	start := -1
	for i := 0; i < len(code); i++ {
		switch c := code[i]; c {
		case ' ', '\t', '\r', '(', ')', '[', ']', '{', '}', ',':
			if start >= 0 {
				toks = append(toks, code[start:i])
				start = -1
			}
			if c != ' ' && c != '\t' && c != '\r' {
				toks = append(toks, code[i:i+1])
			}
		default:
			if start < 0 {
				start = i
			}
		}
	}
	if start >= 0 {
		toks = append(toks, code[start:])
	}
	return toks
}

// isGoModPunct reports whether a token is one of the go.mod grammar's
// punctuation characters.
func isGoModPunct(tok string) bool {
	return len(tok) == 1 && strings.ContainsAny(tok, "()[]{},")
}
