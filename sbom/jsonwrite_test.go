package sbom

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrikat/sbompipe/internal/benchinput"
	"github.com/sentrikat/sbompipe/internal/testparts"
	spdxjson "github.com/spdx/tools-golang/json"
)

// jsonDiff counts the documents compareJSON compared, and how many of
// them the hand-written writers wrote (the rest fell back).
type jsonDiff struct {
	docs, fast int
}

// compareJSON writes b in every JSON format and version with the writers
// of jsonwrite.go and with the libraries' encoders, and wants the same
// bytes. Where the libraries fail, the writers must have fallen back.
func (d *jsonDiff) compareJSON(t testing.TB, b *BOM) {
	t.Helper()
	for _, version := range []string{"1.5", "1.6", "1.7"} {
		bom := cycloneDXVersion(b, version)
		want, wantErr := cycloneDXLibrary(bom, CycloneDXJSON)
		got, fast, err := cycloneDXJSON(bom, nil)
		d.check(t, "CycloneDX "+version, got, want, fast, err, wantErr)
	}
	doc := spdxDocument(b)
	doc.DocumentNamespace += placeholderUUID.String()
	var want jsonIndenter
	wantErr := spdxjson.Write(doc, &want)
	got, fast, err := spdxJSON(doc, nil)
	d.check(t, "SPDX", got, want.out, fast, err, wantErr)
}

func (d *jsonDiff) check(t testing.TB, what string, got, want []byte, fast bool,
	err, wantErr error) {
	t.Helper()
	d.docs++
	if fast {
		d.fast++
	}
	switch {
	case wantErr != nil && fast:
		t.Errorf("%s: the library fails (%v) but the writer wrote the document", what, wantErr)
	case wantErr != nil:
		if err == nil {
			t.Errorf("%s: the fallback did not fail as the library does (%v)", what, wantErr)
		}
	case err != nil:
		t.Errorf("%s: %v", what, err)
	case !bytes.Equal(got, want):
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Errorf("%s (fast %v): differs at byte %d of %d:\ngot  …%q…\nwant …%q…",
			what, fast, i, len(want), got[max(0, i-80):min(len(got), i+80)],
			want[max(0, i-80):min(len(want), i+80)])
	}
}

// TestJSONWritersMatchLibraries compares the writers with the libraries on
// every input the package's tests read: the golden inputs, the shared
// corpus, generated lockfiles, this test binary's build information, and
// BOMs full of hostile strings. All of them but the hostile ones must take
// the fast path.
func TestJSONWritersMatchLibraries(t *testing.T) {
	var d jsonDiff
	real := func(name string, in Inputs) {
		t.Run(name, func(t *testing.T) {
			before := d
			d.compareJSON(t, collectTest(t, in))
			if fast, docs := d.fast-before.fast, d.docs-before.docs; fast != docs {
				t.Errorf("%d of %d documents fell back", docs-fast, docs)
			}
		})
	}
	real("golden", goldenInputs())

	corpus := testparts.Shared(t, "corpus")
	reqs, _ := filepath.Glob(filepath.Join(corpus, "requirements", "*", "*.txt"))
	mods, _ := filepath.Glob(filepath.Join(corpus, "gomod", "*", "go.mod"))
	if len(reqs) == 0 || len(mods) == 0 {
		t.Fatalf("no requirements files or go.mod files in %s", corpus)
	}
	for _, path := range reqs {
		rel, _ := filepath.Rel(corpus, path)
		real(rel, Inputs{Python: []string{path}})
	}
	for _, path := range mods {
		rel, _ := filepath.Rel(corpus, filepath.Dir(path))
		real(rel, Inputs{GoModules: []string{filepath.Dir(path)}, Offline: true,
			NoLicenses: true})
	}

	dir := t.TempDir()
	for _, n := range []int{1, 2, 30, 300, 3000} {
		for _, seed := range []uint64{1, 7} {
			path := filepath.Join(dir, fmt.Sprintf("requirements-%d-%d.txt", n, seed))
			writeGenerated(t, path, benchinput.Requirements{Entries: n, Seed: seed})
			real(filepath.Base(path), Inputs{Python: []string{path}})
		}
	}
	if exe, err := os.Executable(); err == nil {
		real("test binary", Inputs{GoBinaries: []string{exe}, Offline: true, NoLicenses: true})
	}

	t.Run("hostile", func(t *testing.T) {
		for i, s := range hostileStrings() {
			d.compareJSON(t, hostileBOM(s, i))
		}
		d.compareJSON(t, hostileBOM("", 0))
		d.compareJSON(t, &BOM{Subject: Component{Key: "k", Name: "n"}})
	})
	t.Logf("%d documents compared, %d written by the new writers", d.docs, d.fast)
}

func writeGenerated(t *testing.T, path string, r benchinput.Requirements) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Write(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// hostileStrings are values that exercise JSON string escaping.
func hostileStrings() []string {
	var all strings.Builder
	for c := range 0x80 {
		all.WriteByte(byte(c))
	}
	return []string{
		"", "plain", `"quoted"`, `back\slash`, `\"`, "<script>&amp;</script>",
		"line\nbreak\r\ttab\b\f", "\x00\x01\x1f\x7f", "sep\u2028par\u2029",
		"bad \xff\xfe utf-8 \xe2\x80", "\xe2\x80\xa8\xe2\x80", "é日本語🙂",
		"NOASSERTION", "NONE", "SPDXRef-x", "DocumentRef-d", "a_b_c", "</text>",
		"Organization: x", all.String(),
		// Long strings: jsonIndenter, under the libraries, takes time
		// quadratic in the escapes of one string.
		strings.Repeat("long \u2028<\xff>", 2000), strings.Repeat("0123456789abcdef", 1<<16),
		"MIT", "MIT OR (Apache-2.0 AND BSD-3-Clause)", "(", " ",
	}
}

// hostileBOM returns a BOM with s in every string the encoders write,
// beside ordinary values, with n telling variants apart.
func hostileBOM(s string, n int) *BOM {
	hashes := []Hash{{"SHA-256", s}, {"SHA-512", "abc" + s}}
	comp := func(key string, kind Kind) *Component {
		return &Component{
			Key: key, Ecosystem: Ecosystem(s), Kind: kind, Name: s, Version: s, PURL: s,
			CPE: s, Supplier: s, Hashes: hashes, DownloadLocation: s, License: s,
			Distributions: []Distribution{
				{URL: s, Hashes: hashes, Comment: s},
				{URL: "git+" + s, VCS: true},
			},
			Properties: []Property{{s, s}, {"sbompipe:x", s}},
			Notes:      []string{s, "note"},
		}
	}
	b := &BOM{
		Subject:    *comp("subject", Application),
		Tool:       Tool{Name: s, Version: s},
		Timestamp:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Incomplete: []Incomplete{{Refs: []string{"a" + s}, Reason: s}, {Reason: "none"}},
	}
	b.Components = []*Component{
		comp("a"+s, Library), comp("b"+s, Application), {Key: "plain", Name: "plain"},
	}
	if n%2 == 1 {
		// Two components with the same purl get their keys as bom-refs.
		b.Components[1].PURL = "pkg:pypi/x"
		b.Components[2].PURL = "pkg:pypi/x"
		b.Components[2].License = "MIT"
		b.Subject.Supplier = ""
		b.Timestamp = time.Time{}
	}
	if n%3 == 2 {
		b.Components[0].Hashes = append(b.Components[0].Hashes, Hash{s, "odd algorithm"})
	}
	b.Dependencies = []Dependency{
		{Ref: "subject", DependsOn: []string{"a" + s, "b" + s}},
		{Ref: "a" + s, DependsOn: []string{"plain"}},
		{Ref: "plain"},
	}
	return b
}

// FuzzJSONWriters builds BOMs from fuzzed strings and wants the writers'
// bytes to be the libraries'.
func FuzzJSONWriters(f *testing.F) {
	for i, s := range hostileStrings() {
		f.Add(s, "v"+s, "MIT", uint8(i))
	}
	f.Add("", "", "", uint8(0))
	f.Fuzz(func(t *testing.T, s, version, license string, n uint8) {
		b := hostileBOM(s, int(n))
		b.Components[0].Version = version
		b.Components[1].License = license
		b.Subject.Name = version
		if n&4 != 0 {
			b.Components = slices.Delete(b.Components, 0, 1)
			b.Dependencies = b.Dependencies[2:]
			b.Incomplete = b.Incomplete[1:]
		}
		var d jsonDiff
		d.compareJSON(t, b)
	})
}
