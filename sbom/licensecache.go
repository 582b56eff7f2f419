package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
)

// classifierVersion is the version of github.com/google/licenseclassifier/v2
// in go.mod (a test keeps the two equal). It is part of the license cache's
// key: another classifier may find other licenses in the same text.
const classifierVersion = "v2.0.0"

// licenseCache keeps what classify found in a license text between runs,
// one small file per text named by the text's SHA-256, so that a text is
// classified once per machine rather than once per run. Classifying
// (classifyTexts: about half a second and 85 MB for syft's modules) is
// then needed only for texts not seen before. Entries are only ever added; one that cannot be read or does not
// hold valid SPDX identifiers counts as absent and is written again.
//
// Whoever can write the cache can change the licenses sbompipe reports, as
// whoever can write the module cache can change the texts: it belongs with
// the module cache, not in a cache shared with untrusted jobs.
type licenseCache struct {
	dir string // "" when nothing is cached
}

// openLicenseCache returns the cache kept under root ("" for none). Its
// entries live in a folder named for the classifier's version and the
// confidence at which licenses are asserted, so a change of either starts
// afresh, as does a change of licenseCacheGeneration.
func openLicenseCache(root string) licenseCache {
	if root == "" {
		return licenseCache{}
	}
	return licenseCache{dir: filepath.Join(root,
		fmt.Sprintf("%s-licenseclassifier-%s-%.2f", licenseCacheGeneration, classifierVersion, licenseConfidence))}
}

// licenseCacheGeneration starts the cache afresh when what sbompipe found
// in some texts was wrong. v2: classifyTexts read the last character of a
// text over 1 KiB that ends part way through a character otherwise than
// the library does (see libraryRunes), and could miss or add a license in
// such a text; and a license applied by its notice was not counted (see
// classify).
const licenseCacheGeneration = "v2"

// licenseEntry is the content of one cache file.
type licenseEntry struct {
	SHA256   string   `json:"sha256"`
	Licenses []string `json:"licenses"`
}

func (lc licenseCache) path(sum [sha256.Size]byte) string {
	h := hex.EncodeToString(sum[:])
	return filepath.Join(lc.dir, h[:2], h+".json")
}

// get returns the licenses recorded for the text with SHA-256 sum, and
// whether there is a valid entry.
func (lc licenseCache) get(sum [sha256.Size]byte) ([]string, bool) {
	if lc.dir == "" {
		return nil, false
	}
	// An entry is believed only in the form put writes it, for this
	// text, with identifiers in the SPDX list's own spelling.
	var e licenseEntry
	if !readEntry(lc.path(sum), &e) || e.SHA256 != hex.EncodeToString(sum[:]) ||
		!validLicenseIDs(e.Licenses) {
		return nil, false
	}
	return e.Licenses, true
}

// has reports whether get would find a valid entry for sum.
func (lc licenseCache) has(sum [sha256.Size]byte) bool {
	_, ok := lc.get(sum)
	return ok
}

// put records the licenses found in the text with SHA-256 sum. The cache
// is a convenience: an entry that cannot be written is left out, and the
// next run classifies the text again. Each entry is written to a temporary
// file and renamed, so a reader sees a whole entry or none.
func (lc licenseCache) put(sum [sha256.Size]byte, ids []string) {
	if lc.dir == "" {
		return
	}
	if ids == nil {
		ids = []string{}
	}
	data, err := encodeEntry(licenseEntry{SHA256: hex.EncodeToString(sum[:]), Licenses: ids})
	if err != nil {
		return
	}
	writeCacheFile(lc.path(sum), data)
}

// A module's entry records the licenses found in all its license files,
// keyed by the module's path, version and h1: the hash of its content
// that go.sum (or a binary's build information) gives and that the go
// command checked the module cache's copy against when it extracted it. A
// warm run then reads one entry per module instead of listing its folder
// and reading its texts. An entry is written only for a module whose
// folder the go command extracted from a zip of that h1 (its .ziphash).
type moduleEntry struct {
	Module   string   `json:"module"`
	H1       string   `json:"h1"`
	Licenses []string `json:"licenses"`
}

// moduleIdentity returns the path@version and h1 of a Go module component
// whose source would be in the module cache, or false.
func moduleIdentity(c *Component) (mod, h1 string, ok bool) {
	if c.Ecosystem != Go || c.Kind != Library || c.Version == "" {
		return "", "", false
	}
	for _, p := range c.Properties {
		switch p.Name {
		case "sbompipe:go:local-dir", "sbompipe:go:local-replacement":
			return "", "", false
		case "sbompipe:go:h1":
			h1 = p.Value
		}
	}
	return c.Name + "@" + c.Version, h1, h1 != ""
}

func (lc licenseCache) modulePath(mod, h1 string) string {
	sum := sha256.Sum256([]byte(mod + " " + h1))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(lc.dir, "modules-v1", h[:2], h+".json")
}

// getModule returns the licenses recorded for the module mod (path@version)
// of that h1, and whether there is a valid entry.
func (lc licenseCache) getModule(mod, h1 string) ([]string, bool) {
	if lc.dir == "" {
		return nil, false
	}
	var e moduleEntry
	if !readEntry(lc.modulePath(mod, h1), &e) || e.Module != mod || e.H1 != h1 ||
		!validModuleLicenses(e.Licenses) {
		return nil, false
	}
	return e.Licenses, true
}

// putModule records the licenses of the module mod of that h1, whose
// source is in the module cache below cache, if the go command extracted
// it from a zip of that h1; it reports whether it did (or tried to: a
// cache that cannot be written is left as it is).
func (lc licenseCache) putModule(cache, mod, h1 string, ids []string) bool {
	if lc.dir == "" || cache == "" {
		return false
	}
	path, version, _ := strings.Cut(mod, "@")
	ep, err := module.EscapePath(path)
	if err != nil {
		return false
	}
	ev, err := module.EscapeVersion(version)
	if err != nil {
		return false
	}
	ziphash := filepath.Join(cache, "cache", "download", ep, "@v", ev+".ziphash")
	zh, ok := readRegularFile(ziphash, 1<<10)
	if !ok || strings.TrimSpace(string(zh)) != h1 {
		return false
	}
	if fi, err := os.Stat(filepath.Join(cache, ep+"@"+ev)); err != nil || !fi.IsDir() {
		return false
	}
	if ids == nil {
		ids = []string{}
	}
	data, err := encodeEntry(moduleEntry{Module: mod, H1: h1, Licenses: ids})
	if err != nil {
		return false
	}
	writeCacheFile(lc.modulePath(mod, h1), data)
	return true
}

// readEntry decodes the cache entry at path into v, if it is in the one
// form encodeEntry writes, which rules out trailing data and repeated or
// differently cased keys.
func readEntry(path string, v any) bool {
	data, ok := readRegularFile(path, 64<<10)
	if !ok || json.Unmarshal(data, v) != nil {
		return false
	}
	want, err := encodeEntry(v)
	return err == nil && bytes.Equal(data, want)
}

// encodeEntry is the one form of an entry: compact JSON and a line break.
func encodeEntry(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	return append(data, '\n'), err
}

// validModuleLicenses reports whether ids is a module's list of licenses
// as licenses makes it: valid (validLicenseIDs), sorted, each once.
func validModuleLicenses(ids []string) bool {
	for i := 1; i < len(ids); i++ {
		if ids[i-1] >= ids[i] {
			return false
		}
	}
	return validLicenseIDs(ids)
}

// validLicenseIDs reports whether ids is a list (possibly empty, not
// null) of SPDX License List identifiers in the list's own spelling.
func validLicenseIDs(ids []string) bool {
	if ids == nil {
		return false
	}
	for _, id := range ids {
		if canon, ok := spdxLicenseID(id); !ok || canon != id {
			return false
		}
	}
	return true
}

// A module set's entry records, in one file, the licenses of every module
// of an inventory that has an identity (moduleIdentity): a warm run of the
// same go.sum or binary reads it instead of one entry per module. It is
// keyed by the SHA-256 of the sorted identities and written only when
// every module's licenses were vouched for as a module entry's are (read
// from one, or written to one), so it says nothing a module entry would
// not: like a module entry, it keeps saying what the module's files were
// found to say once the go command has removed the module's folder. Its
// form:
//
//	sbompipe license set v1 KEY
//	PATH@VERSION H1 ID,ID        (or "-" for no license), sorted
//	end N SHA256                 (count and SHA-256 of the module lines)
type moduleSet struct {
	comps []int    // indexes of the modules in the component list, by identity
	ids   []string // "PATH@VERSION H1" of each, sorted
}

// moduleSetOf returns the modules of comps that have an identity, or
// false when there are none or one is listed twice.
func moduleSetOf(comps []*Component) (moduleSet, bool) {
	var s moduleSet
	for i, c := range comps {
		if mod, h1, ok := moduleIdentity(c); ok {
			s.comps = append(s.comps, i)
			s.ids = append(s.ids, mod+" "+h1)
		}
	}
	sort.Sort(s)
	for j := 1; j < len(s.ids); j++ {
		if s.ids[j] == s.ids[j-1] {
			return moduleSet{}, false
		}
	}
	return s, len(s.ids) > 0
}

func (s moduleSet) Len() int           { return len(s.ids) }
func (s moduleSet) Less(i, j int) bool { return s.ids[i] < s.ids[j] }
func (s moduleSet) Swap(i, j int) {
	s.ids[i], s.ids[j] = s.ids[j], s.ids[i]
	s.comps[i], s.comps[j] = s.comps[j], s.comps[i]
}

const moduleSetHead = "sbompipe license set v1 "

func (lc licenseCache) setPath(s moduleSet) (path, head string) {
	h := sha256.New()
	for _, id := range s.ids {
		h.Write([]byte(id + "\n"))
	}
	key := hex.EncodeToString(h.Sum(nil))
	return filepath.Join(lc.dir, "sets-v1", key[:2], key+".txt"), moduleSetHead + key
}

// getSet returns the licenses of each module of s, in s's order, and
// whether a valid entry has them all.
func (lc licenseCache) getSet(s moduleSet) ([][]string, bool) {
	if lc.dir == "" {
		return nil, false
	}
	body, ok := readLinesEntry(lc.setPath(s))
	if !ok {
		return nil, false
	}
	lists := make([][]string, 0, len(s.ids))
	for l := range strings.Lines(string(body)) {
		j := len(lists)
		id, licenses, ok := strings.Cut(strings.TrimSuffix(l, "\n"), " ")
		if ok {
			var h1 string
			h1, licenses, ok = strings.Cut(licenses, " ")
			id += " " + h1
		}
		if !ok || j >= len(s.ids) || id != s.ids[j] {
			return nil, false
		}
		list := []string{}
		if licenses != "-" {
			list = strings.Split(licenses, ",")
		}
		if !validModuleLicenses(list) {
			return nil, false
		}
		lists = append(lists, list)
	}
	if len(lists) != len(s.ids) {
		return nil, false
	}
	return lists, true
}

// putSet records the licenses of each module of s, in s's order.
func (lc licenseCache) putSet(s moduleSet, lists [][]string) {
	if lc.dir == "" || len(lists) != len(s.ids) {
		return
	}
	path, head := lc.setPath(s)
	var b bytes.Buffer
	for j, id := range s.ids {
		licenses := "-"
		if len(lists[j]) > 0 {
			licenses = strings.Join(lists[j], ",")
		}
		b.WriteString(id + " " + licenses + "\n")
	}
	writeLinesEntry(path, head, b.Bytes())
}
