package sbom

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/version"
	"hash"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// goEnv is what `go env` says in a module's directory that the module
// graph and the standard library's version depend on.
type goEnv struct {
	Version  string `json:"GOVERSION"` // "go1.26.8"
	ModCache string `json:"GOMODCACHE"`
	Flags    string `json:"GOFLAGS"`
	Work     string `json:"GOWORK"` // the go.work file in use, "" or "off" for none
}

// readGoEnv runs `go env` in dir. Offline it never downloads a
// toolchain: GOTOOLCHAIN=local.
func readGoEnv(ctx context.Context, goCmd, dir string, env []string,
	offline bool) (goEnv, error) {
	if goCmd == "" {
		goCmd = "go"
	}
	cmd := exec.CommandContext(ctx, goCmd, "env", "-json",
		"GOVERSION", "GOMODCACHE", "GOFLAGS", "GOWORK")
	cmd.Dir = dir
	cmd.Env = goCommandEnv(env, dir)
	if offline {
		cmd.Env = append(cmd.Env, "GOTOOLCHAIN=local")
	}
	out, err := cmd.Output()
	if err != nil {
		return goEnv{}, fmt.Errorf("go env in %s: %w", dir, err)
	}
	var e goEnv
	if err := json.Unmarshal(out, &e); err != nil {
		return goEnv{}, fmt.Errorf("go env in %s: %w", dir, err)
	}
	// A toolchain built from source may add words after the version.
	e.Version, _, _ = strings.Cut(e.Version, " ")
	if !strings.HasPrefix(e.Version, "go1") {
		return goEnv{}, fmt.Errorf("go env in %s: unexpected GOVERSION %q", dir, e.Version)
	}
	return e, nil
}

// The Go versions from which a go.mod file lists every module its
// packages need (so the graph below it is pruned), and from which its go
// line is a requirement on the toolchain.
const (
	goPrunedFrom = "go1.17"
	goStrictFrom = "go1.21"
)

// modSummary is what the module graph takes from one go.mod file.
type modSummary struct {
	require []module.Version
	pruned  bool
	needsGo string // the go line, from go 1.21 a requirement on the go command
}

// modGraphReader reads the module graph of one main module from the
// go.mod files in the module cache.
type modGraphReader struct {
	dir      string // the main module's directory
	modCache string
	sums     map[module.Version][]string // "/go.mod" lines of go.sum, in order
	replace  map[module.Version]module.Version
	exclude  map[module.Version]bool
}

// modGraphStart is what reading a module graph needs before `go env`
// answers, read while it runs: the main module's go.mod and go.sum, the
// go.mod files of its local replacements, the graph cache's entry, and
// (without an entry) the whole walk, in the module cache where go env is
// likely to say it is. Only what go env's answer decides is left for
// finish: the module cache (a walk elsewhere is done again), workspace
// and GOFLAGS, and the go version every go.mod read asks for.
type modGraphStart struct {
	reason string // why the go command must answer, whatever go env says
	path   string // the main module's
	mainGo string
	roots  []module.Version
	r      *modGraphReader

	entry, head string // the graph cache entry; "" for none
	cached      []goGraphEdge
	cachedGo    string // the go command's version the cached graph was read with

	walked func() (graphWalk, error) // the walk started in the module cache expected
}

// graphWalk is what walk found: the edges and the modules whose go.mod
// files it read, in the order read, or why the go command must answer
// (and the modules it read or tried to until then).
type graphWalk struct {
	edges     []goGraphEdge
	loaded    []module.Version
	summaries map[module.Version]*modSummary // nil for a go.mod not read
	reason    string
}

// cachedModGraph returns the lines `go mod graph` prints in dir, read the
// way the go command reads them (pruned below go 1.17 modules, main
// module's replacements and exclusions applied) from the go.mod files of
// the module cache, each checked against its go.sum line first. It gives
// no graph, only the reason, wherever the go command would do more than
// read: a go.mod file missing from the cache or from go.sum, or not
// matching its hash; a workspace; -mod=vendor or -modfile in GOFLAGS; a
// go.mod that needs a newer go command; requirements that are not
// consistent (a go.mod that `go mod tidy` would change); a go.mod the go
// command would refuse or read otherwise (see parseMainGoMod). The caller
// then runs `go mod graph`, whose answer is the authority.
//
// A graph read in full is kept in graphCache ("" for none) under a key
// made of everything it was read from but the module cache, whose go.mod
// files go.sum pins: go.mod, go.sum and the go.mod files of local
// replacements. The entry names the go command's version it was read
// with. A later run with the same key and version reads the graph from
// there.
func cachedModGraph(dir string, env goEnv, graphCache string) (edges []goGraphEdge, reason string) {
	return startModGraph(dir, env.ModCache, graphCache).finish(env)
}

// startModGraph reads what the module graph of dir needs but go env's
// answer, and starts walking the graph in modCache ("" for none), the
// module cache go env is expected to name. finish gives the graph.
func startModGraph(dir, modCache, graphCache string) *modGraphStart {
	g := &modGraphStart{}
	main, data, reason := parseMainGoMod(dir)
	if reason != "" {
		g.reason = reason
		return g
	}
	g.path = main.Module.Mod.Path
	// A relative replacement is relative to the folder the go command
	// takes for its working directory.
	real, err := goCommandDir(dir)
	if err != nil {
		g.reason = err.Error()
		return g
	}
	g.mainGo = "1.16" // what the go command assumes of a go.mod without a go line
	if main.Go != nil {
		g.mainGo = main.Go.Version
	}
	r := &modGraphReader{
		dir:      real,
		modCache: modCache,
		replace:  map[module.Version]module.Version{},
		exclude:  map[module.Version]bool{},
	}
	g.r = r
	// A go.sum that cannot be read is left to the go command (a missing
	// one too: every go.mod file would lack its hash).
	sum, ok := readRegularFile(filepath.Join(dir, "go.sum"), maxGoSum)
	if !ok {
		g.reason = "no go.sum that sbompipe reads"
		return g
	}
	if r.sums, ok = goModSums(sum); !ok {
		g.reason = "go.sum has a line that is not three fields" // the go command refuses it
		return g
	}
	key := sha256.New()
	for _, part := range [][]byte{[]byte(graphCacheFormat), data, sum} {
		writeKeyPart(key, part)
	}
	for _, x := range main.Replace {
		if prev, dup := r.replace[x.Old]; dup && prev != x.New {
			g.reason = "go.mod has conflicting replacements of " + x.Old.String()
			return g
		}
		r.replace[x.Old] = x.New
		if x.New.Version != "" {
			continue
		}
		local, ok := readRegularFile(filepath.Join(r.localDir(x.New.Path), "go.mod"), maxGoMod)
		if !ok {
			graphCache = "" // the graph cannot be read without it either
		}
		writeKeyPart(key, []byte(x.New.Path))
		writeKeyPart(key, local)
	}
	for _, x := range main.Exclude {
		r.exclude[x.Mod] = true
	}
	g.roots = []module.Version{{Path: "go", Version: g.mainGo}}
	if main.Toolchain != nil {
		g.roots = append(g.roots, module.Version{Path: "toolchain", Version: main.Toolchain.Name})
	}
	for _, req := range main.Require {
		if r.exclude[req.Mod] {
			g.reason = "go.mod requires an excluded version: " + req.Mod.String()
			return g
		}
		g.roots = append(g.roots, req.Mod)
	}
	if graphCache != "" {
		k := hex.EncodeToString(key.Sum(nil))
		g.entry = filepath.Join(graphCache, graphCacheFormat, k)
		g.head = graphCacheFormat + " " + k + " " + g.path
		g.cachedGo, g.cached, ok = readGraphEntry(g.entry, g.head)
		if ok {
			return g
		}
	}
	if modCache != "" {
		g.walked = background(func() (graphWalk, error) {
			return r.walk(g.path, g.roots, pruning(g.mainGo)), nil
		})
	}
	return g
}

// finish returns the module graph g started, read as the go command
// described by env reads it (see cachedModGraph).
func (g *modGraphStart) finish(env goEnv) (edges []goGraphEdge, reason string) {
	if env.Work != "" && env.Work != "off" { // GOWORK=off prints "off"
		return nil, "workspace mode (" + env.Work + ")"
	}
	if reason := goFlagsReason(env.Flags); reason != "" {
		return nil, reason
	}
	if env.ModCache == "" || !filepath.IsAbs(env.ModCache) {
		return nil, "no module cache the go command takes (" + env.ModCache + ")"
	}
	if g.mainGo != "" && version.Compare("go"+g.mainGo, env.Version) > 0 {
		return nil, "go.mod needs go " + g.mainGo
	}
	if g.reason != "" {
		return nil, g.reason
	}
	if g.cached != nil && g.cachedGo == env.Version {
		return g.cached, ""
	}
	r := g.r
	var w graphWalk
	if g.walked != nil && r.modCache == env.ModCache {
		w, _ = g.walked()
	} else {
		// Walked in another folder, if at all: that walk is left alone.
		r = &modGraphReader{dir: r.dir, modCache: env.ModCache, sums: r.sums,
			replace: r.replace, exclude: r.exclude}
		w = r.walk(g.path, g.roots, pruning(g.mainGo))
	}
	// A go.mod that needs a newer go command is what that command would
	// stop at, before the requirements it adds make the graph look
	// inconsistent.
	if reason := w.newerGo(env.Version); reason != "" {
		return nil, reason
	}
	if w.reason != "" {
		return nil, w.reason
	}
	if g.entry != "" {
		writeGraphEntry(g.entry, g.head, env.Version, w.edges)
	}
	return w.edges, ""
}

// parseMainGoMod reads the go.mod file in dir as the go command reads a
// main module's, or says why it would not read it this way.
func parseMainGoMod(dir string) (f *modfile.File, data []byte, reason string) {
	name := filepath.Join(dir, "go.mod")
	data, ok := readRegularFile(name, maxGoMod)
	if !ok {
		return nil, nil, "no go.mod that sbompipe reads"
	}
	// The go command resolves a version that is not canonical ("v1.1") as
	// a query, and refuses one that does not fit the path's major
	// version; modfile.Parse alone would take v1.1 for v1.1.0.
	fixed := ""
	fix := func(path, v string) (string, error) {
		_, major, _ := module.SplitPathVersion(path)
		if module.CanonicalVersion(v) != v || module.CheckPathMajor(v, major) != nil {
			fixed = path + " " + v
		}
		return v, nil
	}
	f, err := modfile.Parse(name, data, fix)
	if err != nil || f.Module == nil || module.CheckImportPath(f.Module.Mod.Path) != nil {
		return nil, nil, "go.mod does not parse"
	}
	if fixed != "" {
		return nil, nil, "go.mod has a version that is not canonical: " + fixed
	}
	if len(f.Godebug) > 0 {
		// The go command checks each key against the settings it knows.
		return nil, nil, "go.mod has godebug settings"
	}
	return f, data, ""
}

// goFlagsReason says why GOFLAGS might change what the go command reads
// of the module graph, or "" when every flag in it is known not to: the
// flags of builds and of module downloads below. Anything else (-modfile,
// -mod=vendor, -overlay, -go, a flag this list does not know, a quoted
// value) is left to the go command.
func goFlagsReason(flags string) string {
	if strings.ContainsAny(flags, `"'`+"`\\") {
		return "GOFLAGS has quotes"
	}
	for _, f := range strings.Fields(flags) {
		name, value, _ := strings.Cut(strings.TrimLeft(f, "-"), "=")
		switch name {
		case "mod":
			if value == "mod" || value == "readonly" {
				continue
			}
		case "modcacherw", "x", "v", // module downloads, logging
			"trimpath", "buildvcs", "tags", "race", "msan", "asan", "p", "a", "n",
			"work", "ldflags", "gcflags", "asmflags", "buildmode", "compiler",
			"installsuffix", "pgo", "cover", "covermode", "coverpkg": // builds
			continue
		}
		return "GOFLAGS has " + f
	}
	return ""
}

// graphCacheFormat names the form of the graph cache's entries and of
// their keys; another form starts afresh.
const graphCacheFormat = "modgraph-v2"

// writeKeyPart adds one part to a cache key, its length first so that no
// two lists of parts give the same bytes.
func writeKeyPart(h hash.Hash, part []byte) {
	h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(part))))
	h.Write(part)
}

// readGraphEntry reads a graph kept by writeGraphEntry: a first line that
// names the format, the key and the main module (head), a line with the
// version of the go command that read the graph, one line per edge,
// "from to" as `go mod graph` prints it, and a last line with the number of
// lines and the SHA-256 of their bytes, so that an entry cut short,
// damaged or copied from another key is not believed.
func readGraphEntry(path, head string) (goVersion string, edges []goGraphEdge, ok bool) {
	body, ok := readLinesEntry(path, head)
	if !ok {
		return "", nil, false
	}
	first, body, _ := bytes.Cut(body, []byte("\n"))
	goVersion, ok = strings.CutPrefix(string(first), "go ")
	if !ok || !strings.HasPrefix(goVersion, "go1") {
		return "", nil, false
	}
	edges = make([]goGraphEdge, 0, bytes.Count(body, []byte("\n")))
	for l := range strings.Lines(string(body)) {
		from, to, ok := strings.Cut(strings.TrimSuffix(l, "\n"), " ")
		if !ok || from == "" || to == "" || strings.Contains(to, " ") {
			return "", nil, false
		}
		edges = append(edges, goGraphEdge{from, to})
	}
	return goVersion, edges, true
}

// writeGraphEntry keeps a graph read with the go command of goVersion for
// readGraphEntry.
func writeGraphEntry(path, head, goVersion string, edges []goGraphEdge) {
	var b bytes.Buffer
	b.WriteString("go " + goVersion + "\n")
	for _, e := range edges {
		b.WriteString(e.from + " " + e.to + "\n")
	}
	writeLinesEntry(path, head, b.Bytes())
}

// walk loads the graph from the roots as the go command does: every root,
// and below a module only if it or one above it is unpruned.
func (r *modGraphReader) walk(mainPath string, roots []module.Version,
	mainPruned bool) graphWalk {
	type load struct {
		m        module.Version
		unpruned bool
	}
	var edges []goGraphEdge
	selected := map[string]string{} // the highest version of each path
	require := func(from string, reqs []module.Version) {
		for _, q := range reqs {
			edges = append(edges, goGraphEdge{from, q.String()})
			if v, ok := selected[q.Path]; !ok || compareModVersion(q.Path, q.Version, v) > 0 {
				selected[q.Path] = q.Version
			}
		}
	}
	require(mainPath, roots)

	summaries := map[module.Version]*modSummary{}
	queued := map[load]bool{}
	var queue []load
	for _, m := range roots {
		queued[load{m, !mainPruned}] = true
		queue = append(queue, load{m, !mainPruned})
	}
	var loaded []module.Version
	for len(queue) > 0 {
		var todo []module.Version
		for _, l := range queue {
			if _, ok := summaries[l.m]; !ok {
				summaries[l.m] = nil
				todo = append(todo, l.m)
			}
		}
		loaded = append(loaded, todo...)
		if reason := r.summarize(todo, summaries); reason != "" {
			return graphWalk{loaded: loaded, summaries: summaries, reason: reason}
		}
		for _, m := range todo {
			require(m.String(), summaries[m].require)
		}
		var next []load
		for _, l := range queue {
			s := summaries[l.m]
			if !l.unpruned && s.pruned {
				continue
			}
			for _, q := range s.require {
				if k := (load{q, true}); q.Version != "none" && !queued[k] {
					queued[k] = true
					next = append(next, k)
				}
			}
		}
		queue = next
	}
	for _, m := range roots {
		if selected[m.Path] != m.Version {
			return graphWalk{loaded: loaded, summaries: summaries, reason: fmt.Sprintf(
				"go.mod is not consistent: %s is required at %s", m, selected[m.Path])}
		}
	}
	return graphWalk{edges: edges, loaded: loaded, summaries: summaries}
}

// newerGo returns why the go command of goVersion would not read the
// graph: the first go.mod the walk read that needs a newer go command. ""
// if none does.
func (w graphWalk) newerGo(goVersion string) string {
	for _, m := range w.loaded {
		if s := w.summaries[m]; s != nil && s.needsGo != "" &&
			version.Compare("go"+s.needsGo, goVersion) > 0 {
			return m.String() + ": needs go " + s.needsGo
		}
	}
	return ""
}

// summarize reads the go.mod files of mods, eight at a time, into
// summaries (nil for one that cannot be read). It returns the first
// reason one cannot be read.
func (r *modGraphReader) summarize(mods []module.Version,
	summaries map[module.Version]*modSummary) string {
	read := make([]*modSummary, len(mods))
	reasons := make([]string, len(mods))
	// Eight workers, not a goroutine a file: parsing a go.mod grows a
	// fresh goroutine's stack several times.
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(8, len(mods)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(mods); i = int(next.Add(1) - 1) {
				read[i], reasons[i] = r.summary(mods[i])
			}
		})
	}
	wg.Wait()
	first := ""
	for i, m := range mods {
		summaries[m] = read[i]
		if reasons[i] != "" && first == "" {
			first = m.String() + ": " + reasons[i]
		}
	}
	return first
}

// summary reads the go.mod file of m, or of its replacement.
func (r *modGraphReader) summary(m module.Version) (*modSummary, string) {
	switch m.Path {
	case "go", "toolchain":
		// The go command's own nodes: from go 1.21, go@1.22 requires
		// toolchain@go1.22.
		s := &modSummary{pruned: true}
		if m.Path == "go" && version.Compare("go"+m.Version, goStrictFrom) >= 0 {
			s.require = []module.Version{{Path: "toolchain", Version: "go" + m.Version}}
		}
		return s, ""
	}
	actual, ok := r.replace[m]
	if !ok {
		actual, ok = r.replace[module.Version{Path: m.Path}]
	}
	if !ok {
		actual = m
	}
	data, reason := r.goModData(actual)
	if reason != "" {
		return nil, reason
	}
	f, err := readDepGoMod(data)
	if err != nil {
		return nil, "go.mod does not parse"
	}
	if actual.Version != "" {
		if !f.hasModule {
			return nil, "go.mod has no module line"
		}
		if p := f.module; p != m.Path && p != actual.Path {
			return nil, "go.mod declares " + p
		}
	}
	s := &modSummary{pruned: f.goLine != "" && pruning(f.goLine)}
	s.require = make([]module.Version, 0, len(f.require)+1)
	for _, req := range f.require {
		if !r.exclude[req] {
			s.require = append(s.require, req)
		}
	}
	if f.goLine != "" && version.Compare("go"+f.goLine, goStrictFrom) >= 0 {
		s.needsGo = f.goLine
		s.require = append(s.require, module.Version{Path: "go", Version: f.goLine})
	}
	return s, ""
}

// The largest go.mod and go.sum files the graph reader reads.
const (
	maxGoMod = 16 << 20
	maxGoSum = 64 << 20
)

// goModData reads the go.mod file of m: from the module cache, checked
// against go.sum, or from the folder of a local replacement.
func (r *modGraphReader) goModData(m module.Version) ([]byte, string) {
	// Only regular files are read (a FIFO would wait for ever); anything
	// else is left to the go command.
	if m.Version == "" {
		data, ok := readRegularFile(filepath.Join(r.localDir(m.Path), "go.mod"), maxGoMod)
		if !ok {
			return nil, "no go.mod in " + r.localDir(m.Path) + " that sbompipe reads"
		}
		return data, ""
	}
	sums := r.sums[m]
	if len(sums) == 0 {
		return nil, "go.sum has no hash of its go.mod"
	}
	path, err := module.EscapePath(m.Path)
	if err != nil {
		return nil, err.Error()
	}
	v, err := module.EscapeVersion(m.Version)
	if err != nil {
		return nil, err.Error()
	}
	name := filepath.Join(r.modCache, "cache", "download", path, "@v", v+".mod")
	data, ok := readRegularFile(name, maxGoMod)
	if !ok {
		return nil, "not in the module cache"
	}
	got := goModH1(data)
	// As the go command checks: the lines in order, up to the first
	// that matches; an h1 line before it that does not is a mismatch.
	for _, want := range sums {
		if want == got {
			return data, ""
		}
		if strings.HasPrefix(want, "h1:") {
			break
		}
	}
	return nil, name + " does not match go.sum"
}

// unreadableReplacement returns an error naming a file that `go mod
// graph` in dir would read and that is there but is not a regular file (a
// named pipe, a device), which the go command would wait on or read
// without end: a -modfile of GOFLAGS, or the go.mod of a local
// replacement of dir's go.mod (or of that -modfile), of dir's go.work, or
// of the go.mod of a module the go.work uses.
func unreadableReplacement(dir string, env []string) error {
	base, err := goCommandDir(dir)
	if err != nil {
		return nil
	}
	notRegular := func(path string) bool {
		fi, err := os.Stat(path)
		return err == nil && !fi.Mode().IsRegular()
	}
	var errs []error
	check := func(modDir string, reps []*modfile.Replace) {
		for _, x := range reps {
			if x.New.Version != "" {
				continue
			}
			if path := filepath.Join(localDir(modDir, x.New.Path), "go.mod"); notRegular(path) {
				errs = append(errs, fmt.Errorf("%s, the go.mod of the replacement of %s, "+
					"is not a regular file", path, x.Old.Path))
			}
		}
	}
	read := func(path string) []byte {
		data, ok := readRegularFile(path, maxGoMod)
		if !ok && notRegular(path) {
			errs = append(errs, fmt.Errorf("%s is not a regular file", path))
		}
		return data
	}
	modFile := filepath.Join(base, "go.mod")
	for _, f := range strings.Fields(envValue(env, "GOFLAGS")) {
		if v, ok := strings.CutPrefix(strings.TrimLeft(f, "-"), "modfile="); ok {
			modFile = v
			if !filepath.IsAbs(v) {
				modFile = filepath.Join(base, v)
			}
		}
	}
	if data := read(modFile); data != nil {
		if f, err := modfile.Parse(modFile, data, nil); err == nil {
			check(base, f.Replace)
		}
	}
	if data := read(filepath.Join(base, "go.work")); data != nil {
		if w, err := modfile.ParseWork("go.work", data, nil); err == nil {
			check(base, w.Replace)
			for _, u := range w.Use {
				mdir := localDir(base, u.Path)
				if data := read(filepath.Join(mdir, "go.mod")); data != nil {
					if f, err := modfile.Parse("go.mod", data, nil); err == nil {
						check(mdir, f.Replace)
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}

// envValue returns the value of name in env, the last one set, as a
// process started with env would see it; "" when it is not set.
func envValue(env []string, name string) string {
	value := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			value = v
		}
	}
	return value
}

// localDir is the folder of a replacement by a file path, which is
// relative to the main module's folder unless absolute.
func (r *modGraphReader) localDir(path string) string { return localDir(r.dir, path) }

// localDir is the folder of a local replacement (or go.work use) path,
// which is relative to base, the folder of the file that names it.
func localDir(base, path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(base, path)
}

// goModH1 returns the h1 hash of a go.mod file's content as go.sum has
// it: what dirhash.Hash1 gives for a module of that one file, the
// SHA-256 of the line "<hex SHA-256 of the file>  go.mod\n", in base64.
func goModH1(data []byte) string {
	sum := sha256.Sum256(data)
	var line [sha256.Size*2 + len("  go.mod\n")]byte
	hex.Encode(line[:], sum[:])
	copy(line[sha256.Size*2:], "  go.mod\n")
	sum = sha256.Sum256(line[:])
	return "h1:" + base64.StdEncoding.EncodeToString(sum[:])
}

// goModSums returns the "/go.mod" lines of a go.sum file: the h1 hash of
// each module version's go.mod file. Other lines are not its business,
// but a line that is not three fields (or blank) is refused, as the go
// command refuses it.
func goModSums(data []byte) (map[module.Version][]string, bool) {
	sums := map[module.Version][]string{}
	var fields [3]string
	for line := range strings.Lines(string(data)) {
		f := sumFields(line, fields[:0])
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, false
		}
		if f[2] == emptyGoModHash {
			continue // the go command drops it too
		}
		if v, ok := strings.CutSuffix(f[1], "/go.mod"); ok {
			m := module.Version{Path: f[0], Version: v}
			if !slices.Contains(sums[m], f[2]) {
				sums[m] = append(sums[m], f[2])
			}
		}
	}
	return sums, true
}

// sumFields appends the fields of a go.sum line to f, as strings.Fields
// splits them, without allocating for the usual line: three fields of
// printable ASCII between single spaces.
func sumFields(line string, f []string) []string {
	rest := strings.TrimSuffix(line, "\n")
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; c <= ' ' && c != ' ' || c > '~' {
			return strings.Fields(line)
		}
	}
	for rest != "" {
		field, after, _ := strings.Cut(rest, " ")
		if field == "" || len(f) == 3 {
			return strings.Fields(line)
		}
		f = append(f, field)
		rest = after
	}
	return f
}

// emptyGoModHash is the h1 of an empty go.mod file, which old go commands
// wrote into go.sum by mistake and later ones ignore.
const emptyGoModHash = "h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY="

// goCommandDir returns the folder the go command takes for its working
// directory when sbompipe runs it in dir (goCommandEnv sets PWD to dir's
// absolute path): that path if it names the folder, as os.Getwd does,
// else the path without symbolic links.
func goCommandDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if a, err := os.Stat(abs); err == nil {
		if d, err := os.Stat(dir); err == nil && os.SameFile(a, d) {
			return abs, nil
		}
	}
	return filepath.EvalSymlinks(abs)
}

// goCommandEnv is env (nil for this process's) for the go command run in
// dir, with PWD naming dir, as a shell's cd sets it (os/exec does so only
// when it makes the environment itself). The go command takes PWD for its
// working directory when it names the folder, and resolves relative
// replacements and looks for go.work from there.
func goCommandEnv(env []string, dir string) []string {
	if env == nil {
		env = os.Environ()
	}
	if abs, err := filepath.Abs(dir); err == nil {
		return append(slices.Clip(env), "PWD="+abs)
	}
	return env
}

// pruning reports whether a go.mod of that go line prunes the graph below
// it.
func pruning(goLine string) bool {
	return version.Compare("go"+goLine, goPrunedFrom) >= 0
}

// compareModVersion orders two versions of path as the go command does:
// Go versions for go and toolchain, semantic versions for modules.
func compareModVersion(path, a, b string) int {
	switch path {
	case "go":
		return version.Compare("go"+a, "go"+b)
	case "toolchain":
		return version.Compare(a, b)
	}
	return semver.Compare(a, b)
}
