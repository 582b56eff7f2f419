package sbom

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
	classifier "github.com/google/licenseclassifier/v2"
	"golang.org/x/mod/module"
	"golang.org/x/sync/errgroup"

	"github.com/sentrikat/sbompipe/internal/gcpace"
)

// licenseConfidence is the lowest classifier confidence at which a license
// is asserted. Below it nothing is said (the component's license stays
// unknown, NOASSERTION in SPDX).
const licenseConfidence = 0.9

// licenses detects the license of every Go module whose source is in the
// module cache (or a local replacement directory), from the license files
// at the module's root. Python packages are left unknown: their licenses
// are not available offline.
//
// Classifying costs most of the time of a Go inventory on a machine's
// first run (about half a second for syft's 340 modules, classifyTexts),
// so each distinct file content is classified once, and not at all when
// the license cache knows it; the classifier's corpus is read only when
// a text is unknown, and started early (startClassifier) when one is
// found.
func (b *builder) licenses(ctx context.Context) error {
	cache := b.moduleCache()
	comps := b.bom.Components
	// A module the license cache knows (by its h1) needs nothing more;
	// the others' license texts are read. Reading is mostly waiting for
	// the file system: several at a time.
	known := make([]bool, len(comps))
	found := make([][]string, len(comps))
	texts := make([][]licenseText, len(comps))
	// complete is false where a license file or the folder could not be
	// read: what was found there is reported, not kept.
	complete := make([]bool, len(comps))
	// A warm run: one entry for all the modules.
	set, setOK := moduleSetOf(comps)
	if setOK {
		if lists, ok := b.licenseCache.getSet(set); ok {
			for j, i := range set.comps {
				found[i], known[i] = lists[j], true
			}
			setOK = false // nothing to write
		}
	}
	parallel(len(comps), func(i int) {
		if known[i] {
			return
		}
		if mod, h1, ok := moduleIdentity(comps[i]); ok {
			if found[i], known[i] = b.licenseCache.getModule(mod, h1); known[i] {
				return
			}
		}
		texts[i], complete[i] = licenseTexts(moduleDir(cache, comps[i]))
	})
	if err := ctx.Err(); err != nil {
		return err
	}
	ids, err := b.textLicenses(ctx, texts)
	if err != nil {
		return err
	}
	var learnt []int
	for i, comp := range comps {
		if !known[i] {
			for _, t := range texts[i] {
				found[i] = append(found[i], ids[t.sum]...)
			}
			slices.Sort(found[i])
			found[i] = slices.Compact(found[i])
			if _, _, ok := moduleIdentity(comp); ok && complete[i] {
				learnt = append(learnt, i)
			}
		}
		switch list := found[i]; {
		case len(list) == 1:
			comp.License = list[0]
		case len(list) > 1:
			// Several licenses may be a choice (dual licensing) or a
			// conjunction; the files do not say which, so nothing is
			// asserted.
			comp.Properties = append(comp.Properties,
				Property{"sbompipe:license-candidates", strings.Join(list, ", ")})
			comp.Notes = append(comp.Notes, "license files name several licenses ("+
				strings.Join(list, ", ")+"); whether they combine with AND or OR is not known")
		}
	}
	// What a module entry vouches for (one was read, or written now) may
	// go into the set's entry; a module whose source is not in the module
	// cache has none, so then neither has the set.
	vouched := slices.Clone(known)
	parallel(len(learnt), func(j int) {
		i := learnt[j]
		mod, h1, _ := moduleIdentity(comps[i])
		vouched[i] = b.licenseCache.putModule(cache, mod, h1, found[i])
	})
	if setOK {
		lists := make([][]string, len(set.comps))
		for j, i := range set.comps {
			if !vouched[i] {
				return nil
			}
			lists[j] = found[i]
		}
		b.licenseCache.putSet(set, lists)
	}
	return nil
}

// textLicenses returns the licenses found in each distinct license text,
// keyed by its SHA-256: from the license cache, else from the classifier
// (and then kept in the cache).
func (b *builder) textLicenses(ctx context.Context,
	texts [][]licenseText) (map[[sha256.Size]byte][]string, error) {
	var sums [][sha256.Size]byte
	contents := map[[sha256.Size]byte][]byte{}
	for _, list := range texts {
		for _, t := range list {
			if _, ok := contents[t.sum]; !ok {
				sums = append(sums, t.sum)
			}
			contents[t.sum] = t.data
		}
	}
	if len(sums) == 0 {
		return nil, nil
	}

	cached := make([][]string, len(sums))
	known := make([]bool, len(sums))
	parallel(len(sums), func(i int) { cached[i], known[i] = b.licenseCache.get(sums[i]) })
	ids := make(map[[sha256.Size]byte][]string, len(sums))
	unknown := map[[sha256.Size]byte][]byte{}
	for i, sum := range sums {
		if known[i] {
			ids[sum] = cached[i]
		} else {
			unknown[sum] = contents[sum]
		}
	}
	if len(unknown) > 0 {
		if b.corpus == nil {
			// Only local replacement directories have license files, or
			// the cache knew every text startClassifier looked at.
			b.restoreGC = lowerGC()
			b.corpus = loadLicenseCorpus
		}
		lc, err := b.corpus()
		if err != nil {
			return nil, fmt.Errorf("loading the license classifier: %w", err)
		}
		found, err := classifyTexts(ctx, lc, unknown)
		if err != nil {
			return nil, err
		}
		for sum, list := range found {
			ids[sum] = list
			b.licenseCache.put(sum, list)
		}
	}
	return ids, nil
}

// lowGC counts the callers of lowerGC that have not restored it yet, and
// keeps the GC percentage to restore.
var lowGC struct {
	sync.Mutex
	n, old int
}

// lowerGC has the garbage collector run twice as often (GOGC=50) while
// licenses are classified, unless GOGC is set: the classifiers
// classifyTexts loads keep tens of MB each and loading them allocates
// as much again, so a first run on syft's module peaks near 85 MB
// instead of 110 MB, for about 10% more time. The function it returns
// restores the percentage and collects the classifiers, which must be
// unreachable by then: left to the next collection at the restored
// percentage, their memory would let the heap grow to twice that first.
// Calling it again does nothing. The collector leaves gcpace's small-heap
// pacing first, for good: a heap with classifiers is not small.
func lowerGC() (restore func()) {
	gcpace.Default()
	if os.Getenv("GOGC") != "" {
		return func() {}
	}
	lowGC.Lock()
	if lowGC.n == 0 {
		lowGC.old = debug.SetGCPercent(50)
	}
	lowGC.n++
	lowGC.Unlock()
	return sync.OnceFunc(func() {
		lowGC.Lock()
		lowGC.n--
		restore := lowGC.n == 0
		if restore {
			debug.SetGCPercent(lowGC.old)
		}
		lowGC.Unlock()
		if restore {
			runtime.GC()
		}
	})
}

// moduleDir returns the directory holding the source of a Go module
// component, or "" when there is none on this machine.
func moduleDir(cache string, c *Component) string {
	if c.Ecosystem != Go || c.Kind != Library {
		return ""
	}
	for _, p := range c.Properties {
		if p.Name == "sbompipe:go:local-dir" {
			return p.Value
		}
	}
	if c.Version == "" || cache == "" {
		return ""
	}
	ep, err := module.EscapePath(c.Name)
	if err != nil {
		return ""
	}
	ev, err := module.EscapeVersion(c.Version)
	if err != nil {
		return ""
	}
	return filepath.Join(cache, ep+"@"+ev)
}

// parallel calls f(0) … f(n-1), eight at a time.
func parallel(n int, f func(i int)) {
	var g errgroup.Group
	g.SetLimit(8)
	for i := range n {
		g.Go(func() error {
			f(i)
			return nil
		})
	}
	g.Wait()
}

// licenseText is the content of a license file and its SHA-256.
type licenseText struct {
	sum  [sha256.Size]byte
	data []byte
}

// licenseTexts reads the license files at the root of dir ("" has none),
// and reports whether it could read them all: a folder or file it could
// not read (no permission, an I/O error, too large) may hold a license.
func licenseTexts(dir string) (texts []licenseText, complete bool) {
	if dir == "" {
		return nil, true
	}
	files, complete := licenseFiles(dir)
	for _, path := range files {
		data, ok := readRegularFile(path, maxLicenseText)
		if !ok {
			complete = false
			continue
		}
		texts = append(texts, licenseText{sha256.Sum256(data), data})
	}
	return texts, complete
}

// maxLicenseText is the largest license file read.
const maxLicenseText = 16 << 20

// licenseFiles lists the license files at the root of dir, and whether it
// could list them.
func licenseFiles(dir string) (files []string, complete bool) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		// A module not in the module cache has no files; a folder that
		// cannot be read may have some.
		return nil, errors.Is(err, fs.ErrNotExist)
	}
	for _, e := range entries {
		name := strings.ToUpper(e.Name())
		if !e.Type().IsRegular() {
			continue
		}
		for _, prefix := range []string{"LICENSE", "LICENCE", "COPYING", "UNLICENSE"} {
			if strings.HasPrefix(name, prefix) {
				files = append(files, filepath.Join(dir, e.Name()))
				break
			}
		}
	}
	return files, true
}

// classify returns the SPDX identifiers of the licenses found in the text
// of a license file at or above licenseConfidence, in the order found: a
// license's text, or the notice that applies one ("Licensed under the
// Apache License, Version 2.0 …"; the library calls it a header). A
// license file may give one license in full and another by its notice,
// as gopkg.in/yaml.v3's gives MIT and Apache-2.0.
func classify(c *classifier.Classifier, data []byte) []string {
	var ids []string
	for _, m := range c.Match(data).Matches {
		if (m.MatchType != "License" && m.MatchType != "Header") || m.Confidence < licenseConfidence {
			continue
		}
		if id, ok := spdxLicenseID(m.Name); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// spdxLicenseID returns the SPDX License List identifier that name spells,
// in the list's own case (the classifier says cURL for curl), for active
// and deprecated licenses. Anything else, such as the classifier's
// LicenseRef- names, which an SPDX document would have to define, is not
// asserted.
func spdxLicenseID(name string) (string, bool) {
	if ok, id := spdxlicenses.IsActiveLicense(name); ok {
		return id, true
	}
	if ok, id := spdxlicenses.IsDeprecatedLicense(name); ok {
		return id, true
	}
	return "", false
}

// moduleCache returns the module cache's folder as go env gave it for a
// Go module of the inputs (a go env configuration file may set it), else
// as the environment names it (modCache).
func (b *builder) moduleCache() string {
	for _, dir := range slices.Sorted(maps.Keys(b.goEnvs)) {
		if e, err := b.goEnvs[dir](); err == nil && filepath.IsAbs(e.ModCache) {
			return e.ModCache
		}
	}
	return modCache(b.env)
}

// modCache returns the module cache directory named by env: GOMODCACHE,
// else the first GOPATH entry's pkg/mod, else $HOME/go/pkg/mod; "" if
// that is not an absolute path.
func modCache(env []string) string {
	var dir string
	if dir = envValue(env, "GOMODCACHE"); dir == "" {
		if gopath := envValue(env, "GOPATH"); gopath != "" {
			dir = filepath.Join(filepath.SplitList(gopath)[0], "pkg", "mod")
		} else if home := envValue(env, "HOME"); home != "" {
			dir = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	if !filepath.IsAbs(dir) {
		return "" // the go command refuses a relative one
	}
	return dir
}
