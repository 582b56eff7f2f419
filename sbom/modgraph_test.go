package sbom

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

// graphProxyMods are the go.mod files a file:// module proxy serves to
// TestCachedModGraph: pruned and unpruned modules, a chain below an
// unpruned one, an older version only an unpruned module asks for, a
// module with no go line, one that replaces another.
var graphProxyMods = map[string]string{
	"example.com/a@v1.0.0": "module example.com/a\n\ngo 1.21\n\nrequire (\n" +
		"\texample.com/b v1.1.0\n\texample.com/c v1.0.0\n\texample.com/x v1.0.0\n)\n",
	"example.com/b@v1.1.0": "module example.com/b\n\ngo 1.17\n\nrequire example.com/d v1.0.0\n",
	"example.com/b@v1.2.0": "module example.com/b\n\ngo 1.17\n\nrequire example.com/d v1.1.0\n",
	"example.com/c@v1.0.0": "module example.com/c\n\nrequire example.com/e v1.0.0 // indirect\n",
	"example.com/d@v1.0.0": "module example.com/d\n\ngo 1.16\n\nrequire example.com/f v0.9.0\n",
	"example.com/d@v1.1.0": "module example.com/d\n\ngo 1.16\n",
	"example.com/e@v1.0.0": "module example.com/e\n\ngo 1.20\n\n" +
		"require (\n\texample.com/f v1.0.0\n\texample.com/g v1.0.0\n)\n",
	"example.com/f@v0.9.0": "module example.com/f\n",
	"example.com/f@v1.0.0": "module example.com/f\n\ngo 1.22\n",
	"example.com/g@v1.0.0": "module example.com/g\n\ngo 1.18\n\nrequire example.com/h v1.0.0\n",
	"example.com/h@v1.0.0": "module example.com/h\n",
	"example.com/x@v1.0.0": "module example.com/x\n\ngo 1.21\n",
	"example.com/x@v1.1.0": "module example.com/x\n\ngo 1.21\n",
	// r is replaced by r2, whose go.mod may name either.
	"example.com/r@v1.0.0":   "module example.com/r\n\ngo 1.21\n",
	"example.com/r2@v1.5.0":  "module example.com/r\n\ngo 1.21\n\nrequire example.com/h v1.0.0\n",
	"example.com/new@v1.0.0": "module example.com/new\n\ngo 1.99\n",
	// A world before go 1.17, with a cycle.
	"example.com/o1@v1.0.0": "module example.com/o1\n\ngo 1.14\n\nrequire example.com/o2 v1.0.0\n",
	"example.com/o2@v1.0.0": "module example.com/o2\n\nrequire example.com/o3 v1.0.0\n",
	"example.com/o3@v1.0.0": "module example.com/o3\n\ngo 1.12\n",
	"example.com/o3@v1.1.0": "module example.com/o3\n\ngo 1.12\n\n" +
		"require (\n\texample.com/o2 v1.0.0\n\texample.com/o4 v1.0.0\n)\n",
	"example.com/o4@v1.0.0": "module example.com/o4\n",
}

// graphProxy writes graphProxyMods as a file:// module proxy and returns
// it with the go.sum lines of every go.mod file.
func graphProxy(t *testing.T) (proxy string, sums map[string]string) {
	t.Helper()
	proxy, sums = t.TempDir(), map[string]string{}
	for mod, gomod := range graphProxyMods {
		path, v, _ := strings.Cut(mod, "@")
		dir := filepath.Join(proxy, path, "@v")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		info := `{"Version":"` + v + `","Time":"2026-01-01T00:00:00Z"}`
		for name, data := range map[string]string{v + ".mod": gomod, v + ".info": info} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		h1, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(gomod)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		sums[mod] = path + " " + v + "/go.mod " + h1 + "\n"
	}
	return proxy, sums
}

// goModGraphLines runs `go mod graph` in dir and returns its lines sorted.
func goModGraphLines(dir string, env []string) ([]string, error) {
	cmd := exec.Command("go", "mod", "graph")
	// As run by hand after cd dir, which sets PWD.
	cmd.Dir, cmd.Env = dir, append(slices.Clip(env), "PWD="+dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go mod graph in %s: %v: %.300s", dir, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	slices.Sort(lines)
	return lines, nil
}

// checkCachedModGraph reads the graph of dir from the module cache and
// compares it with want, `go mod graph`'s lines. It returns the go env it
// read the graph with.
func checkCachedModGraph(t *testing.T, dir string, env, want []string) goEnv {
	t.Helper()
	e, err := readGoEnv(context.Background(), "go", dir, env, false)
	if err != nil {
		t.Fatal(err)
	}
	edges, reason := cachedModGraph(dir, e, "")
	if reason != "" {
		t.Fatalf("no graph: %s", reason)
	}
	if got := edgeLines(edges); !slices.Equal(got, want) {
		t.Errorf("%d lines:\n%s\nwant %d as go mod graph prints:\n%s", len(got),
			strings.Join(got, "\n"), len(want), strings.Join(want, "\n"))
	}
	return e
}

func edgeLines(edges []goGraphEdge) []string {
	var lines []string
	for _, e := range edges {
		lines = append(lines, e.from+" "+e.to)
	}
	slices.Sort(lines)
	return lines
}

func TestCachedModGraph(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		testparts.Missing(t, "no go command to compare with; install Go")
	}
	proxy, sums := graphProxy(t)
	cache := t.TempDir()
	env := append(os.Environ(), "GOPROXY=file://"+filepath.ToSlash(proxy),
		"GOMODCACHE="+cache, "GOFLAGS=-mod=mod -modcacherw", "GOSUMDB=off",
		"GONOSUMDB=", "GOPRIVATE=", "GOWORK=off", "GOTOOLCHAIN=local", "GOENV=off")

	main := func(goLine, extra string, mods ...string) map[string]string {
		gomod := "module example.com/main\n\n"
		if goLine != "" {
			gomod += "go " + goLine + "\n\n"
		}
		gomod += "require (\n"
		var sum string
		for _, m := range mods {
			p, v, _ := strings.Cut(m, "@")
			gomod += "\t" + p + " " + v + "\n"
		}
		for _, s := range sums {
			sum += s
		}
		return map[string]string{"go.mod": gomod + ")\n" + extra, "go.sum": sum}
	}
	all := []string{"example.com/a@v1.0.0", "example.com/b@v1.1.0", "example.com/c@v1.0.0",
		"example.com/d@v1.0.0", "example.com/e@v1.0.0", "example.com/f@v1.0.0",
		"example.com/r@v1.0.0", "example.com/l@v1.0.0"}
	old := []string{"example.com/o1@v1.0.0", "example.com/o2@v1.0.0", "example.com/o3@v1.1.0",
		"example.com/d@v1.0.0", "example.com/f@v0.9.0"}
	replace := "\nexclude example.com/x v1.0.0\n\nreplace example.com/r => example.com/r2 v1.5.0\n\n" +
		"replace example.com/l v1.0.0 => ./l\n"
	local := map[string]string{"l/go.mod": "module example.com/l\n\ngo 1.21\n\n" +
		"require example.com/f v1.0.0\n"}

	for _, tc := range []struct {
		name  string
		files map[string]string
	}{
		{"pruned", main("1.22", replace, all...)},
		{"through a symbolic link", main("1.22",
			strings.Replace(replace, "=> ./l", "=> ../l", 1), all...)},
		{"unpruned", main("1.16", "", old...)},
		{"no go line", main("", "", old...)},
		{"pruned over unpruned", main("1.21", "", old...)},
		{"toolchain", main("1.22", "\ntoolchain go1.23.1\n"+replace, all...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			writeFiles(t, dir, local)
			if tc.name == "through a symbolic link" {
				// ../l is beside the link, as the go command run in the
				// link's folder sees it, and a decoy waits beside the
				// real folder, as the kernel names it.
				parent := t.TempDir()
				real := filepath.Join(parent, "real")
				if err := os.Rename(dir, real); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(filepath.Join(real, "l"), filepath.Join(parent, "l")); err != nil {
					t.Fatal(err)
				}
				link := t.TempDir()
				writeFiles(t, link, map[string]string{"l/go.mod": "module example.com/l\n\n" +
					"go 1.21\n\nrequire example.com/h v1.0.0\n"})
				dir = filepath.Join(link, "main")
				if err := os.Symlink(real, dir); err != nil {
					t.Fatal(err)
				}
			}
			want, err := goModGraphLines(dir, env)
			if err != nil {
				t.Fatal(err)
			}
			if tc.name == "through a symbolic link" &&
				!slices.Contains(want, "example.com/l@v1.0.0 example.com/h@v1.0.0") {
				t.Fatalf("go mod graph did not read the l beside the link:\n%s", strings.Join(want, "\n"))
			}
			e := checkCachedModGraph(t, dir, env, want)

			// The go.mod files read ahead from a module cache that go env
			// does not name are not used.
			elsewhere := t.TempDir()
			os.MkdirAll(filepath.Join(elsewhere, "cache", "download"), 0o755)
			g := startModGraph(dir, elsewhere, "")
			if edges, reason := g.finish(e); reason != "" || !slices.Equal(edgeLines(edges), want) {
				t.Errorf("started in another module cache: reason %q, graph differs", reason)
			}

			// Kept in the graph cache, read from there, and read again
			// from the module cache when the entry is damaged.
			gc := t.TempDir()
			if _, reason := cachedModGraph(dir, e, gc); reason != "" {
				t.Fatal(reason)
			}
			entries, _ := filepath.Glob(filepath.Join(gc, graphCacheFormat, "*"))
			if len(entries) != 1 {
				t.Fatalf("graph cache entries %q, want one", entries)
			}
			kept, err := os.ReadFile(entries[0])
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(string(kept), "\n")
			other := filepath.Join(t.TempDir(), "other")
			writeGraphEntry(other, graphCacheFormat+" 00 example.com/other", e.Version,
				[]goGraphEdge{{"example.com/main", "go@1.22"}})
			fromOther, _ := os.ReadFile(other)
			for _, damage := range []string{
				"",
				"one-field\n",
				graphCacheFormat + "\n",
				strings.Join(slices.Delete(slices.Clone(lines), 2, 3), ""), // an edge lost
				strings.Join(lines[:len(lines)-2], ""),                     // no last line
				string(fromOther),                                          // another module's graph
			} {
				if damage != "" {
					os.WriteFile(entries[0], []byte(damage), 0o644)
				}
				edges, reason := cachedModGraph(dir, e, gc)
				if got := edgeLines(edges); reason != "" || !slices.Equal(got, want) {
					t.Errorf("graph cache entry %q: reason %q, graph differs: %v",
						damage, reason, !slices.Equal(got, want))
				}
				if rewritten, _ := os.ReadFile(entries[0]); string(rewritten) != string(kept) {
					t.Errorf("graph cache entry %q was not written again", damage)
				}
			}
			// An entry read with another go command is read again.
			other2 := e
			other2.Version = "go1.999.0"
			if edges, reason := cachedModGraph(dir, other2, gc); reason != "" || !slices.Equal(edgeLines(edges), want) {
				t.Errorf("another go command: reason %q, graph differs", reason)
			}
			if v, _, ok := readGraphEntry(entries[0], strings.TrimSuffix(lines[0], "\n")); !ok || v != "go1.999.0" {
				t.Errorf("after another go command, the entry names %q (%v), want go1.999.0", v, ok)
			}
			// A local replacement's go.mod changed is another graph.
			if !strings.Contains(tc.files["go.mod"], "=> ./l") {
				return
			}
			os.WriteFile(filepath.Join(dir, "l", "go.mod"), []byte("module example.com/l\n"), 0o644)
			edges, reason := cachedModGraph(dir, e, gc)
			got := edgeLines(edges)
			if reason != "" || !slices.Contains(got, "example.com/main example.com/l@v1.0.0") ||
				slices.Contains(got, "example.com/l@v1.0.0 example.com/f@v1.0.0") {
				t.Errorf("local replacement's go.mod changed: reason %q, graph %q", reason, got)
			}
		})
	}

	// What only the go command can answer is left to it. Every go.mod
	// but x v1.1.0's is in the module cache.
	for mod, gomod := range graphProxyMods {
		path, v, _ := strings.Cut(mod, "@")
		p := filepath.Join(cache, "cache", "download", path, "@v", v+".mod")
		if _, err := os.Stat(p); mod == "example.com/x@v1.1.0" || err == nil {
			continue
		}
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(gomod), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, reason string
		files        map[string]string
		env          func(*goEnv)
		change       func(dir string)
	}{
		{name: "conflicting replacements", reason: "conflicting replacements",
			files: main("1.22", "replace example.com/d => example.com/d v1.1.0\n"+
				"replace example.com/d => example.com/d v1.0.0\n", "example.com/d@v1.0.0")},
		{name: "godebug", reason: "godebug",
			files: main("1.22", "godebug nosuchkey=1\n", "example.com/d@v1.1.0")},
		{name: "not canonical", reason: "not canonical: example.com/d v1.1",
			files: map[string]string{"go.mod": "module example.com/main\n\ngo 1.22\n\n" +
				"require example.com/d v1.1\n"}},
		{name: "a wrong h1 line first", reason: "does not match go.sum",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			change: func(dir string) {
				sum, _ := os.ReadFile(filepath.Join(dir, "go.sum"))
				wrong := "example.com/d v1.1.0/go.mod h1:" + strings.Repeat("A", 43) + "=\n"
				os.WriteFile(filepath.Join(dir, "go.sum"), append([]byte(wrong), sum...), 0o644)
			}},
		{name: "not tidy", reason: "not consistent: example.com/d@v1.0.0 is required at v1.1.0",
			files: main("1.22", "", "example.com/b@v1.2.0", "example.com/d@v1.0.0")},
		{name: "newer go", reason: "needs go 1.99",
			files: main("1.22", "", "example.com/new@v1.0.0")},
		{name: "main newer go", reason: "go.mod needs go 1.99",
			files: main("1.99", "", "example.com/d@v1.1.0")},
		{name: "excluded root", reason: "requires an excluded version",
			files: main("1.22", "exclude example.com/x v1.0.0\n", "example.com/x@v1.0.0")},
		{name: "vendor", reason: "GOFLAGS has -mod=vendor",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			env:   func(e *goEnv) { e.Flags = "-mod=vendor" }},
		{name: "modfile", reason: "GOFLAGS has -modfile=other.mod",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			env:   func(e *goEnv) { e.Flags = "-mod=mod -modfile=other.mod" }},
		{name: "overlay", reason: "GOFLAGS has -overlay=/o.json",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			env:   func(e *goEnv) { e.Flags = "-mod=mod -overlay=/o.json" }},
		{name: "quoted modfile", reason: "GOFLAGS has quotes",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			env:   func(e *goEnv) { e.Flags = `-mod=mod "-modfile=other.mod"` }},
		{name: "go flag", reason: "GOFLAGS has -go=1.16",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			env:   func(e *goEnv) { e.Flags = "-modcacherw -go=1.16" }},
		{name: "relative module cache", reason: "no module cache the go command takes (rel)",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			env:   func(e *goEnv) { e.ModCache = "rel" }},
		{name: "malformed go.sum", reason: "go.sum has a line that is not three fields",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			change: func(dir string) {
				f, _ := os.OpenFile(filepath.Join(dir, "go.sum"), os.O_APPEND|os.O_WRONLY, 0)
				f.WriteString("example.com/zzz v1.0.0\n")
				f.Close()
			}},
		{name: "workspace", reason: "workspace mode",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			env:   func(e *goEnv) { e.Work = "/src/go.work" }},
		{name: "no go.sum line", reason: "go.sum has no hash of its go.mod",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			change: func(dir string) {
				os.WriteFile(filepath.Join(dir, "go.sum"), nil, 0o644)
			}},
		{name: "not in the module cache", reason: "not in the module cache",
			files: main("1.22", "", "example.com/x@v1.1.0")},
		{name: "a FIFO in the module cache", reason: "not in the module cache",
			files: main("1.22", "", "example.com/o4@v1.0.0"),
			change: func(string) {
				p := filepath.Join(cache, "cache", "download", "example.com", "o4", "@v", "v1.0.0.mod")
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo(p, 0o644); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "a FIFO for go.sum", reason: "no go.sum",
			files: map[string]string{"go.mod": "module example.com/main\n\ngo 1.22\n"},
			change: func(dir string) {
				if err := syscall.Mkfifo(filepath.Join(dir, "go.sum"), 0o644); err != nil {
					t.Fatal(err)
				}
			}},
		{name: "changed in the module cache", reason: "does not match go.sum",
			files: main("1.22", "", "example.com/d@v1.1.0"),
			change: func(string) {
				p := filepath.Join(cache, "cache", "download", "example.com", "d", "@v", "v1.1.0.mod")
				if err := os.WriteFile(p, []byte("module example.com/d\n\ngo 1.16\n\n"+
					"require example.com/x v1.1.0\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			if tc.change != nil {
				tc.change(dir)
			}
			e := goEnv{Version: "go1.26.0", ModCache: cache, Flags: "-mod=mod", Work: "off"}
			if tc.env != nil {
				tc.env(&e)
			}
			edges, reason := cachedModGraph(dir, e, t.TempDir())
			if !strings.Contains(reason, tc.reason) || edges != nil {
				t.Errorf("reason %q, %d edges; want %q and none", reason, len(edges), tc.reason)
			}
		})
	}
}

// TestCachedModGraphCorpus compares the graph with `go mod graph` on the
// shared corpus's go.mod files, where the go command can read them.
func TestCachedModGraphCorpus(t *testing.T) {
	corpus := testparts.Shared(t, "corpus/gomod")
	if _, err := exec.LookPath("go"); err != nil {
		testparts.Missing(t, "no go command to compare with; install Go")
	}
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	for _, name := range []string{"go-github", "golang-vuln", "syft-retract"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(corpus, name)
			want, err := goModGraphLines(dir, env)
			if err != nil {
				// The go command downloads what the module cache lacks
				// from the module proxy.
				testparts.Missing(t, "%v; the module proxy must serve %s's modules", err, name)
			}
			checkCachedModGraph(t, dir, env, want)
		})
	}
}

// The escaped path of a module with capitals, as the module cache has it.
func TestGoModDataEscapes(t *testing.T) {
	cache := t.TempDir()
	m := module.Version{Path: "github.com/Azure/go-ansiterm",
		Version: "v0.0.0-20250102033503-faa5f7b0171c"}
	data := "module github.com/Azure/go-ansiterm\n"
	p := filepath.Join(cache, "cache", "download", "github.com", "!azure", "go-ansiterm", "@v",
		m.Version+".mod")
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, []byte(data), 0o644)
	h1, _ := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(data)), nil
	})
	r := &modGraphReader{modCache: cache, sums: map[module.Version][]string{m: {h1}}}
	if got, reason := r.goModData(m); reason != "" || string(got) != data {
		t.Errorf("goModData = %q, %q", got, reason)
	}
}
