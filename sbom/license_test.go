package sbom

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/licenseclassifier/v2/assets"
	"golang.org/x/mod/modfile"

	"github.com/sentrikat/sbompipe/internal/sbomcheck"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// licenseModule writes the test module, with a license file the
// classifier cannot place, and returns its directory and the module cache
// holding its requirements (a missing part when they are not there).
func licenseModule(t *testing.T) (dir, cache string) {
	t.Helper()
	dir = t.TempDir()
	writeFiles(t, dir, testModuleFiles)
	writeFiles(t, dir, map[string]string{"lib/LICENSE": "All rights reserved. Ask us.\n"})
	cache = testparts.ModuleCache(t, "github.com/google/uuid", "v1.6.0")
	return filepath.Join(dir, "app"), cache
}

// wantLicenses are the licenses of the components of licenseModule.
var wantLicenses = map[string]string{
	"github.com/google/uuid":   "BSD-3-Clause",
	"github.com/google/go-cmp": "BSD-3-Clause",
	"example.com/lib":          "", // "All rights reserved. Ask us."
	"example.com/app":          "",
	"stdlib":                   "BSD-3-Clause",
}

func checkLicenses(t *testing.T, b *BOM) {
	t.Helper()
	for _, c := range b.Components {
		if c.License != wantLicenses[c.Name] {
			t.Errorf("%s: license %q, want %q", c.Name, c.License, wantLicenses[c.Name])
		}
	}
}

func TestLicenses(t *testing.T) {
	app, cache := licenseModule(t)
	b := collectTest(t, Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}})
	checkLicenses(t, b)
	encodeAll(t, b)

	b = collectTest(t, Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}, NoLicenses: true})
	if c := b.Component("go:github.com/google/uuid@v1.6.0"); c.License != "" {
		t.Errorf("NoLicenses: uuid has license %q", c.License)
	}
}

// A license applied by its notice counts, alone or beside another license
// given in full: gopkg.in/yaml.v3's LICENSE has the MIT text and the
// Apache-2.0 notice, and reporting MIT alone would leave Apache-2.0 out.
// (A new user found this; the notice was not read as naming a license.)
func TestLicenseNotices(t *testing.T) {
	read := func(path string) string {
		data, err := assets.ReadLicenseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}
	notice := read("Header/Apache-2.0/header.txt")
	both := "This project is covered by two different licenses: MIT and Apache.\n\n" +
		read("License/MIT/pristine.txt") + "\nAll the remaining files are covered by the Apache license:\n\n" + notice
	full, _ := classifierAndCorpus(t)
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"the notice alone", "Copyright 2023 Example Authors\n\n" + notice, []string{"Apache-2.0"}},
		{"MIT in full and the Apache-2.0 notice", both, []string{"Apache-2.0", "MIT"}},
		{"the Apache-2.0 text with its appendix", read("License/Apache-2.0/pristine.txt"), []string{"Apache-2.0"}},
		{"MIT in full", read("License/MIT/pristine.txt"), []string{"MIT"}},
	} {
		got := classify(full, []byte(tc.text))
		slices.Sort(got)
		if got = slices.Compact(got); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}

	// In a module: two licenses named, so none asserted, both listed.
	dir := t.TempDir()
	writeFiles(t, dir, testModuleFiles)
	writeFiles(t, dir, map[string]string{"lib/LICENSE": both})
	cache := testparts.ModuleCache(t, "github.com/google/uuid", "v1.6.0")
	b := collectTest(t, Inputs{GoModules: []string{filepath.Join(dir, "app")}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}})
	var lib *Component
	for _, c := range b.Components {
		if c.Name == "example.com/lib" {
			lib = c
		}
	}
	if lib == nil {
		t.Fatal("no example.com/lib component")
	}
	if lib.License != "" || !slices.Contains(lib.Properties,
		Property{"sbompipe:license-candidates", "Apache-2.0, MIT"}) {
		t.Errorf("example.com/lib: license %q, properties %v; want none, and the candidates Apache-2.0, MIT",
			lib.License, lib.Properties)
	}
}

// readCorpusOnce is loadLicenseCorpus as the package has it.
var readCorpusOnce = loadLicenseCorpus

// countLoads makes loadLicenseCorpus count its calls, or fail them when
// fail is set, for the rest of the test.
func countLoads(t *testing.T, fail bool) *int {
	t.Helper()
	n := new(int)
	load := loadLicenseCorpus
	t.Cleanup(func() { loadLicenseCorpus = load })
	loadLicenseCorpus = func() (*licenseCorpus, error) {
		*n++
		if fail {
			return nil, errors.New("the classifier was loaded")
		}
		return readCorpusOnce()
	}
	return n
}

func TestLicenseCache(t *testing.T) {
	app, cache := licenseModule(t)
	store := t.TempDir()
	in := Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}, LicenseCache: store}
	lc := openLicenseCache(store)
	uuidText, err := os.ReadFile(filepath.Join(cache, "github.com", "google", "uuid@v1.6.0",
		"LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	uuidSum := sha256.Sum256(uuidText)
	unplaced := sha256.Sum256([]byte("All rights reserved. Ask us.\n"))

	// A first run classifies every text and records it, including a text
	// in which nothing was found.
	loads := countLoads(t, false)
	checkLicenses(t, collectTest(t, in))
	if *loads != 1 {
		t.Errorf("first run: the classifier was loaded %d times, want 1", *loads)
	}
	if ids, ok := lc.get(uuidSum); !ok || strings.Join(ids, " ") != "BSD-3-Clause" {
		t.Errorf("uuid's LICENSE: cached %q, %v; want BSD-3-Clause", ids, ok)
	}
	if ids, ok := lc.get(unplaced); !ok || len(ids) != 0 {
		t.Errorf("the unplaced text: cached %q, %v; want an empty list", ids, ok)
	}

	// And the licenses of each module in the module cache, by its h1.
	uuidH1 := "h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0="
	if ids, ok := lc.getModule("github.com/google/uuid@v1.6.0", uuidH1); !ok ||
		strings.Join(ids, " ") != "BSD-3-Clause" {
		t.Errorf("uuid v1.6.0: cached %q, %v; want BSD-3-Clause", ids, ok)
	}

	// A second run finds them all without loading the classifier, and
	// without the texts of modules it knows.
	countLoads(t, true)
	checkLicenses(t, collectTest(t, in))
	if err := os.Remove(lc.path(uuidSum)); err != nil {
		t.Fatal(err)
	}
	checkLicenses(t, collectTest(t, in))

	// The rest is about the entries of modules and texts: without the
	// entry of the module set, each run reads them.
	noSets := func() {
		if err := os.RemoveAll(filepath.Join(lc.dir, "sets-v1")); err != nil {
			t.Fatal(err)
		}
	}
	noSets()

	// A module's entry that is damaged, or names another module or h1,
	// is not believed, and is written again.
	modEntry := lc.modulePath("github.com/google/uuid@v1.6.0", uuidH1)
	for _, bad := range []string{
		`{"module":"github.com/google/uuid@v1.6.0","h1":"` + uuidH1 + `","licenses":null}`,
		`{"module":"github.com/google/uuid@v1.5.0","h1":"` + uuidH1 + `","licenses":["MIT"]}`,
		`{"module":"github.com/google/uuid@v1.6.0","h1":"h1:x","licenses":["MIT"]}`,
		`{"module":"github.com/google/uuid@v1.6.0","h1":"` + uuidH1 + `","licenses":["mit"]}`,
		`{"module":"github.com/google/uuid@v1.6.0","h1":"` + uuidH1 + `","licenses":["MIT"]}`,
		`{"module":"github.com/google/uuid@v1.6.0","h1":"` + uuidH1 + `","licenses":["MIT","MIT"]}` + "\n",
		`{"module":"github.com/google/uuid@v1.6.0","h1":"` + uuidH1 + `","licenses":["MIT","Apache-2.0"]}` + "\n",
	} {
		if err := os.WriteFile(modEntry, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		countLoads(t, false)
		checkLicenses(t, collectTest(t, in))
		noSets()
		if ids, ok := lc.getModule("github.com/google/uuid@v1.6.0", uuidH1); !ok ||
			strings.Join(ids, " ") != "BSD-3-Clause" {
			t.Errorf("after %s: cached %q, %v; want BSD-3-Clause", bad, ids, ok)
		}
	}

	// The rest is about the entries of texts: without entries of
	// modules, each run reads every text.
	noModules := func() {
		if err := os.RemoveAll(filepath.Join(lc.dir, "modules-v1")); err != nil {
			t.Fatal(err)
		}
		noSets()
	}
	noModules()

	// Entries that are damaged, or name what is not an SPDX license, are
	// not believed: the text is classified again and the entry rewritten.
	if err := os.WriteFile(lc.path(uuidSum), []byte(`{"sha256":`), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := `{"sha256":"` + strings.Repeat("0", 64) + `","licenses":["BSD-3-Clause"]}`
	if err := os.WriteFile(lc.path(unplaced), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	loads = countLoads(t, false)
	checkLicenses(t, collectTest(t, in))
	noModules()
	if *loads != 1 {
		t.Errorf("damaged entries: the classifier was loaded %d times, want 1", *loads)
	}
	for _, sum := range [][sha256.Size]byte{uuidSum, unplaced} {
		if _, ok := lc.get(sum); !ok {
			t.Errorf("entry %x was not rewritten", sum[:4])
		}
	}
	hexSum := filepath.Base(lc.path(uuidSum))[:64]
	for _, bad := range []string{`"licenses":["Not-A-License"]`, `"licenses":null`,
		`"licenses":[],"extra":1`, `"licenses":["MIT\n"]`, `"licenses":["mit"]`,
		`"licenses":["MIT OR GPL-2.0"]`, `"licenses":["LicenseRef-x"]`, `"licenses":[" MIT"]`,
		`"licenses":["MIT"]} trailing {`, `"licenses":["MIT"],"licenses":["curl"]`,
		`"Licenses":["MIT"]`, `"licenses": ["MIT"]`} {
		entry := `{"sha256":"` + hexSum + `",` + bad + "}\n"
		if err := os.WriteFile(lc.path(uuidSum), []byte(entry), 0o644); err != nil {
			t.Fatal(err)
		}
		if ids, ok := lc.get(uuidSum); ok {
			t.Errorf("entry %s: get = %q, true; want false", entry, ids)
		}
	}

	// Only regular files are entries: a FIFO or a symbolic link in the
	// cache is not read (opening a FIFO would wait for a writer).
	if err := os.Remove(lc.path(uuidSum)); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(lc.path(uuidSum), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := lc.get(uuidSum); ok {
		t.Error("a FIFO was taken for an entry")
	}
	// The link's target is a valid entry for the text.
	elsewhere := openLicenseCache(t.TempDir())
	elsewhere.put(uuidSum, []string{"BSD-3-Clause"})
	if _, ok := elsewhere.get(uuidSum); !ok {
		t.Fatal("put then get failed")
	}
	if err := os.Remove(lc.path(uuidSum)); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere.path(uuidSum), lc.path(uuidSum)); err != nil {
		t.Fatal(err)
	}
	if _, ok := lc.get(uuidSum); ok {
		t.Error("a symbolic link was taken for an entry")
	}
	countLoads(t, false)
	checkLicenses(t, collectTest(t, in))
	if _, ok := lc.get(uuidSum); !ok {
		t.Error("the entry behind a symbolic link was not written again")
	}
	noModules()

	// Without license detection nothing is read or written.
	empty := t.TempDir()
	countLoads(t, true)
	collectTest(t, Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}, LicenseCache: empty, NoLicenses: true})
	if entries, _ := os.ReadDir(empty); len(entries) != 0 {
		t.Errorf("NoLicenses wrote %d entries into the cache", len(entries))
	}

	// A cache that cannot be written changes nothing but the time taken.
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	countLoads(t, false)
	checkLicenses(t, collectTest(t, Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}, LicenseCache: blocked}))
}

// The licenses of all the modules of an inventory are kept in one entry
// too, once every module's are vouched for by a module entry; a warm run
// reads that entry alone, and one that is damaged is not believed.
func TestModuleSetEntry(t *testing.T) {
	app, cache := licenseModule(t)
	store := t.TempDir()
	in := Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}, LicenseCache: store}
	lc := openLicenseCache(store)
	b := collectTest(t, in)
	checkLicenses(t, b)
	set, ok := moduleSetOf(b.Components)
	if !ok || len(set.ids) != 2 {
		t.Fatalf("module set %v, %v; want go-cmp and uuid", set.ids, ok)
	}
	path, head := lc.setPath(set)
	entry, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("no entry for the module set: %v", err)
	}
	lines := strings.SplitAfter(strings.TrimSuffix(string(entry), "\n"), "\n")
	if len(lines) != 4 || lines[0] != head+"\n" ||
		!strings.HasPrefix(lines[1], "github.com/google/go-cmp@v0.7.0 h1:") ||
		!strings.HasSuffix(lines[2], " BSD-3-Clause\n") {
		t.Fatalf("entry:\n%s", entry)
	}

	// Without the entries of the modules and of their texts, a run needs
	// nothing but the set's (and the entry of the local replacement's
	// text, which is in no set).
	if err := os.RemoveAll(filepath.Join(lc.dir, "modules-v1")); err != nil {
		t.Fatal(err)
	}
	for _, mod := range []string{"github.com/google/uuid@v1.6.0", "github.com/google/go-cmp@v0.7.0"} {
		text, err := os.ReadFile(filepath.Join(cache, mod, "LICENSE"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(lc.path(sha256.Sum256(text))); err != nil {
			t.Fatal(err)
		}
	}
	countLoads(t, true)
	checkLicenses(t, collectTest(t, in))

	// Damaged entries are not believed; the modules' entries are read
	// (or the texts classified) and the set's entry written again.
	body := lines[1] + lines[2]
	withEnd := func(head, body string) string {
		return head + "\n" + body + cacheEntryEnd([]byte(body))
	}
	other := strings.Replace(head, " ", " 0", 1)
	for name, bad := range map[string]string{
		"empty":            "",
		"no end":           head + "\n" + body,
		"end miscounted":   head + "\n" + body + strings.Replace(cacheEntryEnd([]byte(body)), "end 2", "end 3", 1),
		"end of other":     head + "\n" + body + cacheEntryEnd([]byte(lines[1])),
		"other key":        withEnd(other, body),
		"one line":         withEnd(head, lines[1]),
		"three lines":      withEnd(head, body+lines[2]),
		"reordered":        withEnd(head, lines[2]+lines[1]),
		"other h1":         withEnd(head, lines[1]+strings.Replace(lines[2], "h1:", "h1:x", 1)),
		"lower case":       withEnd(head, lines[1]+strings.Replace(lines[2], "BSD-3-Clause", "bsd-3-clause", 1)),
		"not a license":    withEnd(head, lines[1]+strings.Replace(lines[2], "BSD-3-Clause", "Nope", 1)),
		"empty license":    withEnd(head, lines[1]+strings.Replace(lines[2], "BSD-3-Clause", "MIT,", 1)),
		"no license field": withEnd(head, lines[1]+strings.Replace(lines[2], " BSD-3-Clause", "", 1)),
		"extra field":      withEnd(head, lines[1]+strings.Replace(lines[2], "BSD-3-Clause", "MIT x", 1)),
		"twice":            withEnd(head, lines[1]+strings.Replace(lines[2], "BSD-3-Clause", "MIT,MIT", 1)),
		"unsorted":         withEnd(head, lines[1]+strings.Replace(lines[2], "BSD-3-Clause", "MIT,Apache-2.0", 1)),
	} {
		if err := os.WriteFile(path, []byte(bad), 0o644); err != nil {
			t.Fatal(err)
		}
		if lists, ok := lc.getSet(set); ok {
			t.Errorf("%s: getSet = %q, true", name, lists)
		}
		countLoads(t, false)
		checkLicenses(t, collectTest(t, in))
		if got, err := os.ReadFile(path); err != nil || string(got) != string(entry) {
			t.Errorf("%s: the entry was not written again:\n%s", name, got)
		}
	}

	// A module whose source is not in the module cache has no entry of
	// its own, so the set has none either.
	store = t.TempDir()
	collectTest(t, Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOMODCACHE=" + t.TempDir()}, LicenseCache: store})
	if _, err := os.Stat(filepath.Join(openLicenseCache(store).dir, "sets-v1")); err == nil {
		t.Error("a module set's entry was written for modules not in the module cache")
	}
}

// What a module's folder holds is kept only when every license file in it
// could be read: a file that cannot be read (too large here; a folder
// without permission, an I/O error) would otherwise be recorded as no
// license for good.
func TestLicensesNotKeptWhenUnread(t *testing.T) {
	h1 := "h1:" + strings.Repeat("c", 43) + "="
	dir, cache, store := t.TempDir(), t.TempDir(), t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod": "module example.com/app\n\ngo 1.21\n\nrequire example.com/big v1.0.0\n",
		"go.sum": "example.com/big v1.0.0 " + h1 + "\nexample.com/big v1.0.0/go.mod " + h1 + "\n",
	})
	text := "All rights reserved.\n"
	writeFiles(t, cache, map[string]string{
		"cache/download/example.com/big/@v/v1.0.0.ziphash": h1,
		"example.com/big@v1.0.0/LICENSE":                   text,
	})
	lc := openLicenseCache(store)
	lc.put(sha256.Sum256([]byte(text)), []string{}) // no classifier needed
	countLoads(t, true)
	in := Inputs{GoModules: []string{dir}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}, LicenseCache: store}
	collectTest(t, in)
	if ids, ok := lc.getModule("example.com/big@v1.0.0", h1); !ok || len(ids) != 0 {
		t.Fatalf("a module whose files were read: entry %q, %v; want an empty list", ids, ok)
	}

	if err := os.RemoveAll(filepath.Join(lc.dir, "modules-v1")); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(lc.dir, "sets-v1")); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(cache, "example.com", "big@v1.0.0", "COPYING")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, maxLicenseText+1); err != nil {
		t.Fatal(err)
	}
	collectTest(t, in)
	if ids, ok := lc.getModule("example.com/big@v1.0.0", h1); ok {
		t.Errorf("a module with a file that was not read: entry %q", ids)
	}
	if _, err := os.Stat(filepath.Join(lc.dir, "sets-v1")); err == nil {
		t.Error("a module set's entry was written for it")
	}
}

// The cache's key names the classifier's version: it must be the one
// go.mod requires.
func TestClassifierVersion(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.ParseLax("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Require {
		if r.Mod.Path == "github.com/google/licenseclassifier/v2" {
			if r.Mod.Version != classifierVersion {
				t.Errorf("go.mod requires licenseclassifier %s; classifierVersion is %s",
					r.Mod.Version, classifierVersion)
			}
			return
		}
	}
	t.Error("go.mod does not require github.com/google/licenseclassifier/v2")
}

func TestSPDXLicenseID(t *testing.T) {
	for name, want := range map[string]string{
		"MIT": "MIT", "mit": "MIT", "cURL": "curl", "GPL-2.0": "GPL-2.0", // deprecated
		"LicenseRef-C-Ares": "", "MIT OR GPL-2.0": "", "MIT\n": "", " MIT": "", "": "",
	} {
		id, ok := spdxLicenseID(name)
		if id != want || ok != (want != "") {
			t.Errorf("spdxLicenseID(%q) = %q, %v; want %q", name, id, ok, want)
		}
	}
}

// The classifier names some licenses otherwise than the SPDX list (cURL),
// and some with LicenseRef- names no document defines; documents carry
// the list's identifiers only, and each is valid in both formats.
func TestClassifierNames(t *testing.T) {
	c, err := assets.DefaultClassifier()
	if err != nil {
		t.Fatal(err)
	}
	for file, want := range map[string]string{
		"License/cURL/pristine.txt":             "curl",
		"License/HDF5/pristine.txt":             "HDF5",
		"License/LicenseRef-C-Ares/license.txt": "",
	} {
		text, err := assets.ReadLicenseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(classify(c, text), " "); got != want {
			t.Errorf("%s: classify = %q, want %q", file, got, want)
		}
	}
	// HDF5 is on the SPDX list the SPDX side knows but not in the CycloneDX
	// schemas' list: CycloneDX gets it as an expression.
	if isLicenseID("HDF5") || !isLicenseID("curl") || isLicenseID("MIT OR curl") {
		t.Error("isLicenseID does not follow the CycloneDX schemas' list")
	}
	b := collectTest(t, Inputs{Python: []string{writeLicenseLock(t)}})
	b.Components[0].License, b.Components[1].License = "HDF5", "curl"
	encodeAll(t, b)
}

// writeLicenseLock writes a lockfile of two hashed entries.
func writeLicenseLock(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "requirements.txt")
	lock := "a==1.0 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n" +
		"b==1.0 \\\n    --hash=sha256:" + strings.Repeat("b", 64) + "\n"
	if err := os.WriteFile(path, []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// cdxLicenseIDs is generated from the schemas of the cyclonedx-go in
// go.mod: go generate ./sbom after changing its version.
func TestCycloneDXLicenseIDs(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sbomcheck.SchemaDir(t), "spdx.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	var schema struct{ Enum []string }
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatal(err)
	}
	if len(schema.Enum) != len(cdxLicenseIDs) {
		t.Errorf("the schema lists %d ids, cdxLicenseIDs %d: run go generate ./sbom",
			len(schema.Enum), len(cdxLicenseIDs))
	}
	for _, id := range schema.Enum {
		if !cdxLicenseIDs[id] {
			t.Errorf("%s is not in cdxLicenseIDs: run go generate ./sbom", id)
		}
	}
}

// lowerGC halves the GC percentage until the last of its callers restores
// it, and leaves a GOGC the user set alone.
func TestLowerGC(t *testing.T) {
	t.Setenv("GOGC", "")
	os.Unsetenv("GOGC")
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	percent := func() int { p := debug.SetGCPercent(-1); debug.SetGCPercent(p); return p }

	first, second := lowerGC(), lowerGC()
	if p := percent(); p != 50 {
		t.Fatalf("while the classifier is in use: GC percent %d, want 50", p)
	}
	first()
	first() // a second call does nothing
	if p := percent(); p != 50 {
		t.Errorf("one of two restored: GC percent %d, want 50", p)
	}
	second()
	if p := percent(); p != 100 {
		t.Errorf("both restored: GC percent %d, want 100", p)
	}

	t.Setenv("GOGC", "200")
	lowerGC()()
	if p := percent(); p != 100 {
		t.Errorf("with GOGC set: GC percent %d, want it untouched (100)", p)
	}
}

// A module's licenses are kept only for a folder the go command extracted
// from a zip of the module's h1.
func TestModuleLicenseEntry(t *testing.T) {
	cache := t.TempDir()
	lc := openLicenseCache(t.TempDir())
	mod, h1 := "example.com/Some/mod@v1.0.0", "h1:"+strings.Repeat("a", 43)+"="
	zip := filepath.Join(cache, "cache", "download", "example.com", "!some", "mod", "@v")
	writeFiles(t, zip, map[string]string{"v1.0.0.ziphash": h1})

	lc.putModule(cache, mod, h1, []string{"MIT"})
	if _, ok := lc.getModule(mod, h1); ok {
		t.Error("an entry was written for a module that is not extracted")
	}
	writeFiles(t, cache, map[string]string{"example.com/!some/mod@v1.0.0/LICENSE": "x"})
	other := "h1:" + strings.Repeat("b", 43) + "="
	lc.putModule(cache, mod, other, []string{"MIT"})
	if _, ok := lc.getModule(mod, other); ok {
		t.Error("an entry was written for another h1 than the extracted zip's")
	}
	lc.putModule(cache, mod, h1, nil)
	if ids, ok := lc.getModule(mod, h1); !ok || ids == nil || len(ids) != 0 {
		t.Errorf("getModule = %q, %v; want an empty list", ids, ok)
	}
}

// TestLicensesGoEnvModCache: a module cache set in go env's configuration
// file, not in the environment, is where the license files are read.
func TestLicensesGoEnvModCache(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		testparts.Missing(t, "no go command; install Go")
	}
	app, cache := licenseModule(t)
	conf := filepath.Join(t.TempDir(), "go.env")
	if err := os.WriteFile(conf, []byte("GOMODCACHE="+cache+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := collectTest(t, Inputs{GoModules: []string{app}, Offline: true,
		Env: []string{"GOENV=" + conf, "HOME=" + t.TempDir(), "PATH=" + os.Getenv("PATH")}})
	checkLicenses(t, b)
}
