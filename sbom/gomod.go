package sbom

import (
	"errors"
	"fmt"
	"go/version"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/sentrikat/sbompipe/internal/textsafe"
)

// goTree is what one --go directory holds, read offline: one main module
// (go.mod and go.sum) or, when the directory has a go.work, the modules
// the workspace uses.
type goTree struct {
	dir     string
	work    *modfile.WorkFile
	mains   []*goMainFile
	sums    goSums
	missing []string // workspace directories without a go.mod
}

// goMainFile is a parsed go.mod of a main module and its directory.
type goMainFile struct {
	dir    string
	file   *modfile.File
	hasSum bool // a go.sum is beside the go.mod (or go.work.sum, in a workspace)
}

// goSelected is a module of the build list: the version the main modules
// require (the highest, in a workspace) and the component it resolves to
// after replacements.
type goSelected struct {
	path, version string
	direct        []*goMainFile // main modules that require it directly
	comp          *Component
}

// readGoFile reads a go.mod, go.work or go.sum file of the inputs: a
// regular file, through links as the go command reads it, of at most limit
// bytes. Anything else is an error that names it: a named pipe would wait
// for a writer for ever, a device might never end. A missing file's error
// is fs.ErrNotExist.
func readGoFile(path string, limit int64) ([]byte, error) {
	f, fi, err := openBinary(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi.Size() > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, limit>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, limit>>20)
	}
	return data, nil
}

// outerWorkspace returns the go.work file that the go command, run in
// dir with env, would build dir's module in, when that is not dir's own
// go.work: the file GOWORK names, else the first go.work in a folder
// above dir. It returns "" when there is none or GOWORK is off.
func outerWorkspace(dir string, env []string) string {
	gowork := envValue(env, "GOWORK")
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	own := filepath.Join(abs, "go.work")
	switch gowork {
	case "off":
		return ""
	case "":
		if _, err := os.Stat(own); err == nil {
			return ""
		}
		for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
			w := filepath.Join(d, "go.work")
			if fi, err := os.Stat(w); err == nil && !fi.IsDir() {
				return w
			}
			if filepath.Dir(d) == d {
				return ""
			}
		}
	}
	if filepath.Clean(gowork) == own {
		return ""
	}
	return gowork
}

// checkReplacePaths refuses a local replacement whose folder name holds
// a control character: the documents record it.
func checkReplacePaths(path string, reps []*modfile.Replace) error {
	for _, r := range reps {
		if textsafe.HasControl(r.New.Path) {
			return fmt.Errorf("%s:%d: replace %s => %q: a folder name with a control "+
				"character is not taken", path, r.Syntax.Start.Line, r.Old.Path, r.New.Path)
		}
	}
	return nil
}

// checkToolchain refuses a toolchain line that names no Go version
// ("go1.22.0:*:*" would make a CPE of other fields): modfile takes any
// name that starts with "go1.", the go command only a version.
func checkToolchain(path string, tc *modfile.Toolchain) error {
	if tc == nil || tc.Name == "default" || version.IsValid(tc.Name) {
		return nil
	}
	line := 0
	if tc.Syntax != nil {
		line = tc.Syntax.Start.Line
	}
	return fmt.Errorf("%s:%d: toolchain %q is not a Go toolchain name", path, line, tc.Name)
}

// readGoTree reads the go.mod, go.sum, go.work and go.work.sum files of
// dir. It does not run the go command.
func readGoTree(dir string) (*goTree, error) {
	t := &goTree{dir: dir, sums: goSums{}}
	workPath := filepath.Join(dir, "go.work")
	data, err := readGoFile(workPath, maxGoMod)
	switch {
	case err == nil:
		if t.work, err = modfile.ParseWork(workPath, data, nil); err != nil {
			return nil, err
		}
		if err := checkToolchain(workPath, t.work.Toolchain); err != nil {
			return nil, err
		}
		if err := checkReplacePaths(workPath, t.work.Replace); err != nil {
			return nil, err
		}
		for _, u := range t.work.Use {
			if textsafe.HasControl(u.Path) {
				return nil, fmt.Errorf("%s:%d: use %q: a folder name with a control character "+
					"is not taken", workPath, u.Syntax.Start.Line, u.Path)
			}
		}
		if err := t.sums.read(workPath + ".sum"); err != nil {
			return nil, err
		}
		for _, u := range t.work.Use {
			mdir := filepath.FromSlash(u.Path)
			if !filepath.IsAbs(mdir) {
				mdir = filepath.Join(dir, mdir)
			}
			m, err := readGoMod(mdir, t.sums)
			if errors.Is(err, fs.ErrNotExist) {
				t.missing = append(t.missing, u.Path)
				continue
			}
			if err != nil {
				return nil, err
			}
			t.mains = append(t.mains, m)
		}
		if len(t.mains) == 0 {
			return nil, fmt.Errorf("%s: no module of the workspace has a go.mod", workPath)
		}
	case errors.Is(err, fs.ErrNotExist):
		m, err := readGoMod(dir, t.sums)
		if err != nil {
			return nil, err
		}
		t.mains = []*goMainFile{m}
	default:
		return nil, err
	}
	return t, nil
}

func readGoMod(dir string, sums goSums) (*goMainFile, error) {
	path := filepath.Join(dir, "go.mod")
	data, err := readGoFile(path, maxGoMod)
	if err != nil {
		return nil, err
	}
	f, err := modfile.Parse(path, data, nil)
	if err != nil {
		return nil, err
	}
	if err := checkToolchain(path, f.Toolchain); err != nil {
		return nil, err
	}
	if err := checkReplacePaths(path, f.Replace); err != nil {
		return nil, err
	}
	if f.Module == nil {
		return nil, fmt.Errorf("%s: no module directive", path)
	}
	sumPath := filepath.Join(dir, "go.sum")
	if err := sums.read(sumPath); err != nil {
		return nil, err
	}
	_, statErr := os.Stat(sumPath)
	return &goMainFile{dir: dir, file: f, hasSum: statErr == nil}, nil
}

// goVersion returns the Go version the tree's standard library is taken
// from and where it comes from: the toolchain directive, else the go
// command that would build it (`go env`, when goEnv is not nil), else the go
// directive (a minimum).
func (t *goTree) goVersion(goEnv func() (goEnv, error)) (version, how string) {
	v, how := t.directiveVersion()
	if how == "toolchain directive" || goEnv == nil {
		return v, how
	}
	if e, err := goEnv(); err == nil {
		return e.Version, "go env GOVERSION, the go command that builds it here"
	}
	return v, how
}

// directiveVersion is the Go version go.work or go.mod names.
func (t *goTree) directiveVersion() (version, how string) {
	toolchain, goLine := "", ""
	if t.work != nil {
		if t.work.Toolchain != nil {
			toolchain = t.work.Toolchain.Name
		}
		if t.work.Go != nil {
			goLine = t.work.Go.Version
		}
	} else {
		f := t.mains[0].file
		if f.Toolchain != nil {
			toolchain = f.Toolchain.Name
		}
		if f.Go != nil {
			goLine = f.Go.Version
		}
	}
	switch {
	case strings.HasPrefix(toolchain, "go1"):
		return strings.SplitN(toolchain, "-", 2)[0], "toolchain directive"
	case goLine != "":
		return "go" + goLine, "go directive (the minimum version)"
	}
	return "", ""
}

// replacement returns the replacement of path@version, if any: go.work
// replacements win over those of the main modules. dir is the directory a
// local replacement is relative to.
func (t *goTree) replacement(path, version string) (r *modfile.Replace, dir string) {
	find := func(list []*modfile.Replace) *modfile.Replace {
		var any *modfile.Replace
		for _, r := range list {
			if r.Old.Path != path {
				continue
			}
			if r.Old.Version == version {
				return r
			}
			if r.Old.Version == "" {
				any = r
			}
		}
		return any
	}
	if t.work != nil {
		if r := find(t.work.Replace); r != nil {
			return r, t.dir
		}
	}
	for _, m := range t.mains {
		if r := find(m.file.Replace); r != nil {
			return r, m.dir
		}
	}
	return nil, ""
}

// excluded reports whether a main module excludes path@version.
func (t *goTree) excluded(path, version string) bool {
	for _, m := range t.mains {
		for _, x := range m.file.Exclude {
			if x.Mod.Path == path && x.Mod.Version == version {
				return true
			}
		}
	}
	return false
}

// buildList returns the required modules, one per path at the highest
// version any main module requires, sorted by path. Main modules of a
// workspace are not in it.
func (t *goTree) buildList(private func(string) bool) ([]*goSelected, []string) {
	isMain := map[string]bool{}
	for _, m := range t.mains {
		isMain[m.file.Module.Mod.Path] = true
	}
	var warnings []string
	byPath := map[string]*goSelected{}
	for _, m := range t.mains {
		for _, r := range m.file.Require {
			p, v := r.Mod.Path, r.Mod.Version
			if isMain[p] {
				continue
			}
			if t.excluded(p, v) {
				warnings = append(warnings,
					fmt.Sprintf("%s:%d: %s %s is excluded; not inventoried",
						m.file.Syntax.Name, r.Syntax.Start.Line, p, v))
				continue
			}
			s := byPath[p]
			if s == nil {
				s = &goSelected{path: p, version: v}
				byPath[p] = s
			} else if semver.Compare(v, s.version) > 0 {
				s.version = v
			}
			if !r.Indirect {
				s.direct = append(s.direct, m)
			}
		}
	}
	list := make([]*goSelected, 0, len(byPath))
	for _, s := range byPath {
		s.comp = t.component(s, private)
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *goSelected) int { return strings.Compare(a.path, b.path) })
	return list, warnings
}

// component returns the component a selected module resolves to.
func (t *goTree) component(s *goSelected, private func(string) bool) *Component {
	r, rdir := t.replacement(s.path, s.version)
	var c *Component
	switch {
	case r == nil:
		c = goModule(s.path, s.version, t.sums[s.path+"@"+s.version], private(s.path))
	case modfile.IsDirectoryPath(r.New.Path):
		c = goLocalModule(s.path, r.New.Path)
		c.Properties = append(c.Properties,
			Property{"sbompipe:go:local-dir", filepath.Join(rdir, r.New.Path)})
	default:
		c = goModule(r.New.Path, r.New.Version, t.sums[r.New.Path+"@"+r.New.Version],
			private(r.New.Path))
		c.Properties = append(c.Properties,
			Property{"sbompipe:go:replaces", s.path + "@" + s.version})
	}
	if len(s.direct) == 0 {
		c.Properties = append(c.Properties, Property{"sbompipe:go:indirect", "true"})
	}
	if r == nil || !modfile.IsDirectoryPath(r.New.Path) {
		if len(c.Hashes) == 0 {
			c.Notes = append(c.Notes, "go.sum has no h1 hash for "+c.Name+" "+c.Version)
		}
	}
	return c
}

// privateMatcher returns a function that reports whether a module path is
// private under GOPRIVATE or GONOPROXY in env.
func privateMatcher(env []string) func(string) bool {
	var patterns []string
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if (k == "GOPRIVATE" || k == "GONOPROXY") && v != "" {
			patterns = append(patterns, v)
		}
	}
	return func(path string) bool {
		for _, p := range patterns {
			if module.MatchPrefixPatterns(p, path) {
				return true
			}
		}
		return false
	}
}
