package sbom

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/mod/modfile"
)

// Subject names what a document describes.
type Subject struct {
	// Name is the product name; required.
	Name string
	// Version is the product's version, or "".
	Version string
	// Supplier is the organisation that supplies the product, or "".
	Supplier string
}

// Inputs says what Collect inventories and how. The zero value of each
// field is its documented default.
type Inputs struct {
	// Subject is the product the documents describe.
	Subject Subject

	// Python are requirements files (pip's format), read in lax mode,
	// following -r and -c.
	Python []string

	// GoModules are directories holding a go.mod and go.sum, or a go.work
	// and the modules it uses.
	GoModules []string

	// GoBinaries are Go executables whose build information is read.
	GoBinaries []string

	// Offline forbids anything that could reach the network: `go mod
	// graph` is not run and the Go graph is limited to direct requirements.
	Offline bool

	// GoCommand is the go command that runs `go mod graph`; "" means "go"
	// from PATH.
	GoCommand string

	// Env is the environment of the go command and the source of
	// GOPRIVATE, GONOPROXY and GOMODCACHE; nil means os.Environ().
	Env []string

	// NoLicenses turns off license detection in the module cache.
	NoLicenses bool

	// LicenseCache is a directory where the licenses found in each
	// license text are kept between runs, keyed by the text's SHA-256;
	// "" keeps none. See licenseCache.
	LicenseCache string
	// GraphCache is a directory where Go module graphs read from the
	// module cache are kept between runs, keyed by what they were read
	// from; "" keeps none. See cachedModGraph.
	GraphCache string
}

// builder accumulates one BOM from several collectors.
type builder struct {
	bom   *BOM
	index map[string]*Component
	env   []string

	// graphs wait for the module graph of a --go directory, started when
	// Collect starts.
	graphs map[string]func() ([]goGraphEdge, error)
	// binFiles are the --go-binary files, each opened once when Collect
	// starts and hashed from then on: the build info and the digest are
	// read from the same file, whatever happens to the path meanwhile.
	binFiles map[string]binFile
	// binaries are the binaries' components, whose digests addDigests
	// adds once everything else is done.
	binaries []binaryDigest
	// goEnvs wait for `go env` in a --go directory: the Go version the
	// go command would build it with, and where the graph is read from.
	goEnvs map[string]func() (goEnv, error)

	// findLicenses is !Inputs.NoLicenses. corpus waits for the license
	// classifier's corpus once startClassifier has started reading it.
	findLicenses bool
	corpus       func() (*licenseCorpus, error)
	licenseCache licenseCache
	// probed counts the modules whose license texts startClassifier
	// found in the license cache.
	probed int
	// restoreGC undoes lowerGC once classifying is over.
	restoreGC func()
}

// classifierProbes is how many modules' license texts startClassifier
// looks up before it takes the license cache to be warm.
const classifierProbes = 8

// startClassifier starts reading the license classifier's corpus
// (loadLicenseCorpus, about 0.15 s) if licenses are wanted and one of
// comps has a license text in the module cache that the license cache
// does not know. Once the first few modules' texts were all known, the
// cache is taken to be warm and nothing more is looked at here: licenses
// reads the corpus after all if a later text is unknown.
func (b *builder) startClassifier(comps ...*Component) {
	if !b.findLicenses || b.corpus != nil || b.probed >= classifierProbes {
		return
	}
	cache := modCache(b.env)
	for _, c := range comps {
		if mod, h1, ok := moduleIdentity(c); ok {
			if _, known := b.licenseCache.getModule(mod, h1); known {
				if b.probed++; b.probed >= classifierProbes {
					return
				}
				continue
			}
		}
		texts, _ := licenseTexts(moduleDir(cache, c))
		if len(texts) == 0 {
			continue
		}
		b.probed++
		for _, t := range texts {
			if !b.licenseCache.has(t.sum) {
				b.restoreGC = lowerGC()
				b.corpus = background(loadLicenseCorpus)
				return
			}
		}
		if b.probed >= classifierProbes {
			return
		}
	}
}

func (b *builder) add(c *Component) *Component {
	return b.bom.add(b.index, c)
}

func (b *builder) edge(from string, to ...string) {
	b.bom.Dependencies = append(b.bom.Dependencies, Dependency{Ref: from, DependsOn: to})
}

func (b *builder) warnf(format string, args ...any) {
	b.bom.Warnings = append(b.bom.Warnings, fmt.Sprintf(format, args...))
}

// Collect reads every input into one BOM whose subject is in.Subject. It
// returns the first input that cannot be read as an error naming the file
// (and line, for a parse error); what can be inventoried only in part is
// reported in BOM.Warnings. Tool and Timestamp are left for the caller.
func Collect(ctx context.Context, in Inputs) (*BOM, error) {
	if in.Subject.Name == "" {
		return nil, fmt.Errorf("collecting: the subject has no name")
	}
	env := in.Env
	if env == nil {
		env = os.Environ()
	}
	b := &builder{
		bom:      &BOM{},
		index:    map[string]*Component{},
		env:      env,
		graphs:   map[string]func() ([]goGraphEdge, error){},
		binFiles: map[string]binFile{},
		goEnvs:   map[string]func() (goEnv, error){},
	}

	// What takes long and depends on nothing else starts now, while the
	// inputs are read: `go env`, the module graphs, and the digests of
	// binaries (SHA-256 of a large binary is its floor). The license
	// classifier's corpus starts loading as soon as a module with an
	// unknown license text is found in the module cache.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer func() {
		if b.restoreGC != nil {
			b.corpus = nil
			b.restoreGC()
		}
	}()
	for _, dir := range in.GoModules {
		b.goEnvs[dir] = background(func() (goEnv, error) {
			return readGoEnv(ctx, in.GoCommand, dir, env, in.Offline)
		})
		if !in.Offline {
			b.graphs[dir] = background(func() ([]goGraphEdge, error) {
				return moduleGraph(ctx, in, dir, env, b.goEnvs[dir])
			})
		}
	}
	for _, path := range in.GoBinaries {
		if _, ok := b.binFiles[path]; ok {
			continue
		}
		f, fi, err := openBinary(path)
		if err != nil {
			b.binFiles[path] = binFile{err: err}
			continue
		}
		defer f.Close()
		b.binFiles[path] = binFile{f: f,
			digest: background(func() (string, error) { return hashFile(ctx, f, fi) })}
	}
	b.findLicenses = !in.NoLicenses
	b.licenseCache = openLicenseCache(in.LicenseCache)
	b.bom.Subject = Component{
		Key:       "product:" + in.Subject.Name + "@" + in.Subject.Version,
		Ecosystem: Product,
		Kind:      Application,
		Name:      in.Subject.Name,
		Version:   in.Subject.Version,
		Supplier:  in.Subject.Supplier,
	}

	for _, path := range in.Python {
		if err := b.python(path); err != nil {
			return nil, err
		}
	}
	for _, dir := range in.GoModules {
		if err := b.goTree(ctx, dir, in); err != nil {
			return nil, err
		}
	}
	for _, path := range in.GoBinaries {
		if err := b.goBinary(path); err != nil {
			return nil, err
		}
	}
	if b.findLicenses {
		if err := b.licenses(ctx); err != nil {
			return nil, err
		}
	}
	if err := b.addDigests(); err != nil {
		return nil, err
	}
	b.bom.normalize()
	return b.bom, nil
}

// goTree adds the modules of a go.mod or go.work directory and the edges
// between them: from `go mod graph`, or, offline or when it fails, from
// each main module to its direct requirements, marked incomplete.
func (b *builder) goTree(ctx context.Context, dir string, in Inputs) error {
	if w := outerWorkspace(dir, b.env); w != "" {
		// Its use and replace directives change the versions built: the
		// go.mod alone would describe another build.
		return fmt.Errorf("%s: the go command builds this module in the workspace of %s; "+
			"give --go %s to describe the workspace, or set GOWORK=off if the build "+
			"does not use it", dir, w, filepath.Dir(w))
	}
	t, err := readGoTree(dir)
	if err != nil {
		return err
	}
	for _, u := range t.missing {
		b.warnf("%s: workspace module %s has no go.mod; not inventoried", dir, u)
	}

	var std *Component
	if v, how := t.goVersion(b.goEnvs[dir]); v != "" {
		std = b.add(goStdlib(v, how))
	}
	mains := map[string]*Component{}
	var mainKeys []string
	for _, m := range t.mains {
		if !m.hasSum && len(m.file.Require) > 0 {
			b.warnf("%s: no go.sum beside go.mod: its requirements have no hashes",
				filepath.Join(m.dir, "go.mod"))
		}
		// go.mod does not say its own version: the product's version is
		// the best knowledge of what is released.
		c := goMain(m.file.Module.Mod.Path, in.Subject.Version)
		if in.Subject.Version != "" {
			c.Properties = append(c.Properties,
				Property{"sbompipe:go:version-from", "the product version"})
		}
		c.Properties = append(c.Properties, goModProperties(m.file)...)
		c = b.add(c)
		mains[m.file.Module.Mod.Path] = c
		mainKeys = append(mainKeys, c.Key)
		b.edge(b.bom.Subject.Key, c.Key)
		if std != nil {
			b.edge(c.Key, std.Key)
		}
	}

	list, warnings := t.buildList(privateMatcher(b.env))
	b.bom.Warnings = append(b.bom.Warnings, warnings...)
	selected := map[string]*goSelected{}
	for _, s := range list {
		s.comp = b.add(s.comp)
		selected[s.path] = s
		b.startClassifier(s.comp)
	}

	reason := ""
	if in.Offline {
		reason = "offline: the Go module graph was not read"
	} else if err := b.goGraph(t, mains, selected); err != nil {
		b.warnf("%v; the dependency graph of %s lists direct requirements only", err, dir)
		reason = "go mod graph failed: " + err.Error()
	}
	if reason == "" {
		return nil
	}
	incomplete := Incomplete{Refs: mainKeys, Reason: reason}
	for _, s := range list {
		for _, m := range s.direct {
			b.edge(mains[m.file.Module.Mod.Path].Key, s.comp.Key)
		}
		incomplete.Refs = append(incomplete.Refs, s.comp.Key)
	}
	b.bom.Incomplete = append(b.bom.Incomplete, incomplete)
	return nil
}

// goGraph adds the edges `go mod graph` reports between the main modules
// and the selected versions; edges from versions that were not selected
// are left out.
func (b *builder) goGraph(t *goTree, mains map[string]*Component,
	selected map[string]*goSelected) error {
	edges, err := b.graphs[t.dir]()
	if err != nil {
		return err
	}
	for _, e := range edges {
		fp, fv := splitModule(e.from)
		from := mains[fp]
		if fv != "" {
			s := selected[fp]
			if s == nil || s.version != fv {
				continue
			}
			from = s.comp
		}
		tp, _ := splitModule(e.to)
		to := selected[tp]
		if from == nil || to == nil || to.comp == from {
			continue
		}
		b.edge(from.Key, to.comp.Key)
	}
	return nil
}

// moduleGraph returns the module graph of dir: read from the module cache
// (or the graph cache) when that gives what `go mod graph` would print,
// else from `go mod graph`, run with in.GoCommand ("" is "go").
func moduleGraph(ctx context.Context, in Inputs, dir string, env []string,
	goEnv func() (goEnv, error)) ([]goGraphEdge, error) {
	// Read what does not depend on go env's answer while it runs, and
	// walk the graph in the module cache the environment names, where go
	// env most likely says it is.
	g := startModGraph(dir, modCache(env), in.GraphCache)
	if e, err := goEnv(); err == nil {
		if edges, reason := g.finish(e); reason == "" {
			return edges, nil
		}
	}
	if err := unreadableReplacement(dir, env); err != nil {
		return nil, err
	}
	goCmd := in.GoCommand
	if goCmd == "" {
		goCmd = "go"
	}
	if _, err := exec.LookPath(goCmd); err != nil {
		return nil, fmt.Errorf("no go command: %w", err)
	}
	return goModGraph(ctx, goCmd, dir, env)
}

// background runs f in a goroutine and returns a function that waits for
// its result.
func background[T any](f func() (T, error)) func() (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f()
		ch <- result{v, err}
	}()
	return sync.OnceValues(func() (T, error) {
		r := <-ch
		return r.v, r.err
	})
}

// goModProperties records the directives of a main module's go.mod that
// have no field of their own.
func goModProperties(f *modfile.File) []Property {
	var props []Property
	if f.Go != nil {
		props = append(props, Property{"sbompipe:go:go-directive", f.Go.Version})
	}
	if f.Toolchain != nil {
		props = append(props, Property{"sbompipe:go:toolchain", f.Toolchain.Name})
	}
	for _, x := range f.Exclude {
		props = append(props, Property{"sbompipe:go:exclude", x.Mod.Path + "@" + x.Mod.Version})
	}
	for _, r := range f.Retract {
		v := r.Low
		if r.High != r.Low {
			v = "[" + r.Low + ", " + r.High + "]"
		}
		props = append(props, Property{"sbompipe:go:retract", strings.TrimSpace(v)})
	}
	return props
}
