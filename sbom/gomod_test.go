package sbom

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

// testTime is the timestamp of every document the tests write.
var testTime = time.Date(2026, 4, 17, 9, 0, 0, 0, time.UTC)

// collectTest runs Collect with the test's tool and timestamp.
func collectTest(t *testing.T, in Inputs) *BOM {
	t.Helper()
	if in.Subject.Name == "" {
		in.Subject = Subject{Name: "agent", Version: "v1.4.0", Supplier: "Sentrikat"}
	}
	b, err := Collect(context.Background(), in)
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	b.Tool = Tool{Name: "sbompipe", Version: "v0.0.0-test"}
	b.Timestamp = testTime
	return b
}

// encodeAll encodes b in every format (CycloneDX JSON in each version) and
// validates each document.
func encodeAll(t *testing.T, b *BOM) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range Formats {
		versions := []string{""}
		if f == CycloneDXJSON {
			versions = []string{"1.5", "1.6", "1.7"}
		}
		for _, v := range versions {
			var buf bytes.Buffer
			doc, err := Encode(&buf, b, f, EncodeOptions{CycloneDXVersion: v})
			if err != nil {
				t.Fatalf("Encode(%s %s): %v", f, v, err)
			}
			if doc.Components != b.Count() {
				t.Errorf("Encode(%s).Components = %d, want %d", f, doc.Components, b.Count())
			}
			validate(t, buf.Bytes(), f, v)
			out[string(f)+v] = buf.Bytes()
		}
	}
	return out
}

func TestGoModCorpus(t *testing.T) {
	corpus := testparts.Shared(t, "corpus/gomod")
	requires := map[string]int{ // require lines of each go.mod (MANIFEST.md)
		"cosign-2022-exclude": 304,
		"etcd-workspace":      84,
		"go-github":           2,
		"golang-vuln":         10,
		"goreleaser-head":     370,
		"syft-retract":        314,
	}
	for name, n := range requires {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(corpus, name)
			b := collectTest(t, Inputs{GoModules: []string{dir}, Offline: true, NoLicenses: true})

			// The required modules, the main module, stdlib, the subject.
			if got, want := b.Count(), n+3; got != want {
				t.Errorf("Count() = %d, want %d", got, want)
			}
			sums := goSums{}
			if err := sums.read(filepath.Join(dir, "go.sum")); err != nil {
				t.Fatal(err)
			}
			for _, c := range b.Components {
				h1, ok := sums[c.Name+"@"+c.Version]
				if !ok || c.Kind != Library {
					continue
				}
				want, _ := h1Hex(h1)
				if len(c.Hashes) != 1 || c.Hashes[0] != (Hash{"SHA-256", want}) {
					t.Errorf("%s %s: hashes %v, want SHA-256 %s",
						c.Name, c.Version, c.Hashes, want)
				}
			}
			if len(b.Incomplete) != 1 {
				t.Errorf("offline: %d incomplete compositions, want 1", len(b.Incomplete))
			}
			encodeAll(t, b)
		})
	}
}

// TestGoModFacts checks what each go.mod feature becomes.
func TestGoModFacts(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod": `module example.com/agent

go 1.22.1

toolchain go1.26.8

require (
	example.com/direct v1.2.0
	example.com/old v1.0.0 // indirect
	example.com/local v0.0.0-00010101000000-000000000000
	github.com/Azure/go-autorest v14.2.0+incompatible
)

replace example.com/old => example.com/new v1.1.0

replace example.com/local => ../local

exclude example.com/direct v1.1.0
`,
		"go.sum": `example.com/direct v1.2.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
example.com/direct v1.2.0/go.mod h1:frQ6qoY0x7RsDRo0nBVIG0fd56q9c0RHvUbNfU+9xUA=
example.com/new v1.1.0 h1:frQ6qoY0x7RsDRo0nBVIG0fd56q9c0RHvUbNfU+9xUA=
example.com/old v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=
`,
	})
	b := collectTest(t, Inputs{GoModules: []string{dir}, Offline: true, NoLicenses: true})

	type fact struct{ name, version, purl, hash string }
	got := map[string]fact{}
	for _, c := range b.Components {
		h := ""
		if len(c.Hashes) > 0 {
			h = c.Hashes[0].Value[:8]
		}
		got[c.Key] = fact{c.Name, c.Version, c.PURL, h}
	}
	want := map[string]fact{
		"go:example.com/direct@v1.2.0": {"example.com/direct", "v1.2.0",
			"pkg:golang/example.com/direct@v1.2.0", "e3b0c442"},
		"go:example.com/new@v1.1.0": {"example.com/new", "v1.1.0",
			"pkg:golang/example.com/new@v1.1.0", "7eb43aaa"},
		"go:local:example.com/local=>../local": {"example.com/local", "",
			"pkg:golang/example.com/local", ""},
		"go:github.com/Azure/go-autorest@v14.2.0+incompatible": {"github.com/Azure/go-autorest",
			"v14.2.0+incompatible",
			"pkg:golang/github.com/Azure/go-autorest@v14.2.0%2Bincompatible", ""},
		"go:main:example.com/agent@v1.4.0": {"example.com/agent", "v1.4.0",
			"pkg:golang/example.com/agent@v1.4.0", ""},
		"go:stdlib@go1.26.8": {"stdlib", "go1.26.8", "pkg:golang/stdlib@1.26.8", ""},
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("component %s = %+v, want %+v", k, got[k], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d components, want %d: %v", len(got), len(want), got)
	}

	newMod := b.Component("go:example.com/new@v1.1.0")
	for _, p := range []Property{
		{"sbompipe:go:replaces", "example.com/old@v1.0.0"},
		{"sbompipe:go:indirect", "true"},
	} {
		if !hasProperty(newMod, p) {
			t.Errorf("replacement lacks property %v: %v", p, newMod.Properties)
		}
	}
	main := b.Component("go:main:example.com/agent@v1.4.0")
	for _, p := range []Property{{"sbompipe:go:exclude", "example.com/direct@v1.1.0"},
		{"sbompipe:go:version-from", "the product version"},
		{"sbompipe:go:toolchain", "go1.26.8"}, {"sbompipe:go:go-directive", "1.22.1"}} {
		if !hasProperty(main, p) {
			t.Errorf("main module lacks property %v: %v", p, main.Properties)
		}
	}
	// Offline, the main module depends on its direct requirements only.
	deps := dependsOn(b, main.Key)
	wantDeps := []string{
		"go:example.com/direct@v1.2.0",
		"go:github.com/Azure/go-autorest@v14.2.0+incompatible",
		"go:local:example.com/local=>../local",
		"go:stdlib@go1.26.8",
	}
	if strings.Join(deps, " ") != strings.Join(wantDeps, " ") {
		t.Errorf("main depends on %v, want %v", deps, wantDeps)
	}
	encodeAll(t, b)
}

// Without a toolchain directive the standard library is the one the go
// command here would build with, not the go directive's minimum; a go.mod
// without go.sum is inventoried with a warning; without a product version
// the main module has none.
func TestGoModStdlibAndWarnings(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n\nrequire example.com/a v1.0.0\n",
	})
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		testparts.Missing(t, "no go command: %v", err)
	}
	goVersion := strings.TrimSpace(string(out))
	b := collectTest(t, Inputs{Subject: Subject{Name: "agent"}, GoModules: []string{dir},
		Offline: true, NoLicenses: true})
	std := b.Component("go:stdlib@" + goVersion)
	if std == nil || !hasProperty(std, Property{"sbompipe:go:stdlib-version-from",
		"go env GOVERSION, the go command that builds it here"}) {
		t.Errorf("no stdlib %s from go env GOVERSION: %+v", goVersion, b.Components)
	}
	if b.Component("go:main:example.com/m@") == nil {
		t.Error("without a product version the main module should have none")
	}
	noSum := func(w string) bool { return strings.Contains(w, "no go.sum beside go.mod") }
	if !slices.ContainsFunc(b.Warnings, noSum) {
		t.Errorf("warnings %q lack the missing go.sum", b.Warnings)
	}
}

func TestGoSumErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.22\n",
		"go.sum": "example.com/a v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n" +
			"broken line\n" +
			"example.com/b v1.0.0 h1:notbase64\n" +
			"example.com/a v1.0.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n" + // the same: fine
			"example.com/a v1.0.0 h1:AAAAQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
	})
	in := Inputs{Subject: Subject{Name: "x"}, GoModules: []string{dir}, Offline: true}
	_, err := Collect(context.Background(), in)
	if err == nil {
		t.Fatal("Collect with a malformed go.sum succeeded")
	}
	for _, want := range []string{
		"go.sum:2: malformed go.sum line", "go.sum:3: malformed h1 hash",
		"go.sum:5: a second h1 hash for example.com/a v1.0.0",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}

	writeFiles(t, dir,
		map[string]string{"go.mod": "module example.com/m\n\nrequire (\n\texample.com/a\n)\n"})
	_, err = Collect(context.Background(), in)
	if err == nil || !strings.Contains(err.Error(), "go.mod:4:") {
		t.Errorf("Collect with a malformed go.mod: error %v, want one naming go.mod:4", err)
	}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func hasProperty(c *Component, p Property) bool {
	if c == nil {
		return false
	}
	for _, q := range c.Properties {
		if q == p {
			return true
		}
	}
	return false
}

func dependsOn(b *BOM, key string) []string {
	for _, d := range b.Dependencies {
		if d.Ref == key {
			return d.DependsOn
		}
	}
	return nil
}

// A toolchain line that names no Go version is refused with its line:
// modfile takes any name that starts with "go1.", and the fields after
// the version would make a CPE of their own.
func TestGoModToolchainLine(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"go.mod": "module example.com/m\n\ngo 1.22\n\n" +
		"toolchain go1.22.0:*:*:*:*:*:*:*:x\n"})
	_, err := Collect(context.Background(), Inputs{Subject: Subject{Name: "x"},
		GoModules: []string{dir}, Offline: true})
	if err == nil || !strings.Contains(err.Error(), `go.mod:5: toolchain "go1.22.0:*:*:*:*:*:*:*:x" is not`) {
		t.Errorf("Collect = %v, want the toolchain line refused", err)
	}
	writeFiles(t, dir, map[string]string{"go.mod": "module example.com/m\n\ngo 1.22\n\n" +
		"toolchain go1.22.3-bigcorp\n"})
	collectTest(t, Inputs{GoModules: []string{dir}, Offline: true})
}

// A module inside a workspace (go.work in a folder above it, or named by
// GOWORK) is built with the workspace's use and replace directives: its
// go.mod alone would describe another build, so it is refused, naming the
// workspace, unless GOWORK=off.
func TestGoModInOuterWorkspace(t *testing.T) {
	root := t.TempDir()
	writeFiles(t, root, map[string]string{
		"go.work":      "go 1.22\n\nuse ./sub\n\nreplace golang.org/x/mod => golang.org/x/mod v0.42.0\n",
		"sub/go.mod":   "module example.com/sub\n\ngo 1.22\n",
		"other/go.mod": "module example.com/other\n\ngo 1.22\n",
	})
	sub := filepath.Join(root, "sub")
	env := func(kv ...string) []string { return append(os.Environ()[:0:0], append(kv, "HOME="+root)...) }
	for _, tc := range []struct {
		env  []string
		want string
	}{
		{env(), "the go command builds this module in the workspace of " + filepath.Join(root, "go.work")},
		{env("GOWORK=" + filepath.Join(root, "other", "go.work")), "workspace of " + filepath.Join(root, "other", "go.work")},
		{env("GOWORK=off"), ""},
	} {
		_, err := Collect(context.Background(), Inputs{Subject: Subject{Name: "x"},
			GoModules: []string{sub}, Offline: true, Env: tc.env})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("env %q: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("env %q: Collect = %v, want %q", tc.env, err, tc.want)
		}
	}
	// The workspace itself is described as one.
	collectTest(t, Inputs{GoModules: []string{root}, Offline: true, Env: env()})
}

// A local replacement (in go.mod or go.work) or a go.work use whose folder
// name holds a control character is refused with its line: the documents
// record the folder.
func TestGoModReplacePathControls(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"go.mod": {"go.mod": "module example.com/m\n\ngo 1.22\n\nrequire example.com/r v1.0.0\n\n" +
			"replace example.com/r => \"./r\\x1b[31m\"\n"},
		"go.work": {"go.mod": "module example.com/m\n\ngo 1.22\n",
			"go.work": "go 1.22\n\nuse .\n\nreplace example.com/r => \"./r\\u202e\"\n"},
		"go.work use": {"go.mod": "module example.com/m\n\ngo 1.22\n",
			"go.work": "go 1.22\n\nuse \"./m\\x07\"\n"},
	} {
		dir := t.TempDir()
		writeFiles(t, dir, files)
		_, err := Collect(context.Background(), Inputs{Subject: Subject{Name: "x"},
			GoModules: []string{dir}, Offline: true})
		if err == nil || !strings.Contains(err.Error(), "a folder name with a control character") {
			t.Errorf("%s: Collect = %v, want the folder refused", name, err)
		}
	}
}
