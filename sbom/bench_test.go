package sbom

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sentrikat/sbompipe/internal/benchinput"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// writeBenchInputs writes a pip-compile style requirements file with
// nPython entries (two hashes each, every entry after the first annotated
// "# via" the one before) and a go.mod and go.sum with nGo requirements.
func writeBenchInputs(tb testing.TB, dir string, nPython, nGo int) (string, string) {
	tb.Helper()
	var req strings.Builder
	for i := range nPython {
		fmt.Fprintf(&req, "package-%d==1.%d.0 \\\n", i, i%50)
		fmt.Fprintf(&req, "    --hash=sha256:%064x \\\n", i)
		fmt.Fprintf(&req, "    --hash=sha256:%064x\n", i+1_000_000)
		if i == 0 {
			req.WriteString("    # via -r requirements.in\n")
		} else {
			fmt.Fprintf(&req, "    # via package-%d\n", i-1)
		}
	}
	var mod, sum strings.Builder
	mod.WriteString("module example.com/bench\n\ngo 1.26.0\n\nrequire (\n")
	for i := range nGo {
		fmt.Fprintf(&mod, "\texample.com/m%d v1.%d.0\n", i, i%30)
		fmt.Fprintf(&sum,
			"example.com/m%d v1.%d.0 h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n", i, i%30)
		fmt.Fprintf(&sum,
			"example.com/m%d v1.%d.0/go.mod h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
			i, i%30)
	}
	mod.WriteString(")\n")
	gomod := filepath.Join(dir, "gomod")
	for name, content := range map[string]string{
		"requirements.txt": req.String(),
		"gomod/go.mod":     mod.String(),
		"gomod/go.sum":     sum.String(),
	} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return filepath.Join(dir, "requirements.txt"), gomod
}

// BenchmarkSBOM is the target: 5,000 Python and 1,000 Go
// components, read from their files and written as CycloneDX JSON and
// SPDX JSON. docs/performance.md has the figures.
func BenchmarkSBOM(b *testing.B) {
	req, gomod := writeBenchInputs(b, b.TempDir(), 5000, 1000)
	in := Inputs{Subject: Subject{Name: "bench", Version: "v1.0.0"}, Python: []string{req},
		GoModules: []string{gomod}, Offline: true, NoLicenses: true}
	b.ReportAllocs()
	for b.Loop() {
		bom, err := Collect(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		bom.Tool = Tool{Name: "sbompipe", Version: "bench"}
		bom.Timestamp = testTime
		if bom.Count() != 5000+1000+3 {
			b.Fatalf("Count() = %d", bom.Count())
		}
		for _, f := range []Format{CycloneDXJSON, SPDXJSON} {
			if _, err := Encode(io.Discard, bom, f, EncodeOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkPythonGrowth reads generated pip-compile lockfiles
// (internal/benchinput: about four hashes and two "# via" edges an entry)
// of 3,000 and 30,000 entries and writes both JSON formats, to show that
// the cost per entry does not grow with the input (issue 7: at 30,000
// within 1.3 times of that at 3,000). Each iteration runs both sizes, one
// after the other from a collected heap as a new process would, so that
// the load of a shared machine weighs on both alike. It reports wall and
// CPU time per entry at each size, and their growth: the figure at 30,000
// over the figure at 3,000.
func BenchmarkPythonGrowth(b *testing.B) {
	sizes := []int{3000, 30000}
	paths := make([]string, len(sizes))
	for i, n := range sizes {
		paths[i] = filepath.Join(b.TempDir(), fmt.Sprintf("requirements-%d.txt", n))
		f, err := os.Create(paths[i])
		if err != nil {
			b.Fatal(err)
		}
		if err := (benchinput.Requirements{Entries: n, Seed: 7}).Write(f); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
	}
	wall := make([]time.Duration, len(sizes))
	cpu := make([]time.Duration, len(sizes))
	for b.Loop() {
		for i, n := range sizes {
			runtime.GC()
			start, startCPU := time.Now(), benchinput.CPUTime()
			in := Inputs{
				Subject: Subject{Name: "bench", Version: "v1.0.0"},
				Python:  []string{paths[i]},
			}
			bom, err := Collect(context.Background(), in)
			if err != nil {
				b.Fatal(err)
			}
			if bom.Count() != n+1 {
				b.Fatalf("Count() = %d, want %d", bom.Count(), n+1)
			}
			formats := []Format{CycloneDXJSON, SPDXJSON}
			if _, _, err := EncodeAll(bom, formats, EncodeOptions{}); err != nil {
				b.Fatal(err)
			}
			wall[i] += time.Since(start)
			cpu[i] += benchinput.CPUTime() - startCPU
		}
	}
	perEntry := func(d []time.Duration, i int) float64 {
		return float64(d[i].Nanoseconds()) / float64(b.N) / float64(sizes[i])
	}
	for i, n := range sizes {
		b.ReportMetric(perEntry(wall, i), fmt.Sprintf("wall-ns/entry@%d", n))
		b.ReportMetric(perEntry(cpu, i), fmt.Sprintf("cpu-ns/entry@%d", n))
	}
	b.ReportMetric(perEntry(wall, 1)/perEntry(wall, 0), "wall-growth")
	b.ReportMetric(perEntry(cpu, 1)/perEntry(cpu, 0), "cpu-growth")
}

// BenchmarkModGraph reads the module graph of the shared corpus's
// syft-retract module (333 lines of go.mod, 6,034 edges) from the module
// cache, as a run with --no-cache does: go.mod files parsed and checked
// against go.sum, no graph cache. The modules must be in the module cache
// (TestCachedModGraphCorpus fetches them).
func BenchmarkModGraph(b *testing.B) {
	dir := filepath.Join(testparts.Shared(b, "corpus"), "gomod", "syft-retract")
	env := append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	e, err := readGoEnv(context.Background(), "go", dir, env, false)
	if err != nil {
		b.Skip(err)
	}
	if _, reason := cachedModGraph(dir, e, ""); reason != "" {
		b.Skipf("the graph is not read from the module cache: %s", reason)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, reason := cachedModGraph(dir, e, ""); reason != "" {
			b.Fatal(reason)
		}
	}
}

// BenchmarkManyHashesGrowth inventories one requirement with 4,000 and
// with 40,000 --hash lines and writes both JSON formats: finding each
// hash's line and removing repeated checksums must cost the same per hash
// at both sizes (they were quadratic: 33 s for 40,000). It reports the
// time per hash at each size and their growth.
func BenchmarkManyHashesGrowth(b *testing.B) {
	hashGrowth(b, []int{4000, 40000}, func(sb *strings.Builder, n int) {
		sb.WriteString("foo==1.0 \\\n")
		for j := range n {
			fmt.Fprintf(sb, "    --hash=sha256:%064x \\\n", j)
		}
		sb.WriteString("\n")
	})
}

// BenchmarkRepeatedEntryGrowth is BenchmarkManyHashesGrowth for one
// requirement written 300 and 3,000 times with 100 hashes each, which
// are merged into one component (they were merged in quadratic time).
func BenchmarkRepeatedEntryGrowth(b *testing.B) {
	hashGrowth(b, []int{30000, 300000}, func(sb *strings.Builder, n int) {
		for e := range n / 100 {
			sb.WriteString("foo==1.0")
			for j := range 100 {
				fmt.Fprintf(sb, " --hash=sha256:%064x", e*100+j)
			}
			sb.WriteString("\n")
		}
	})
}

// hashGrowth inventories the file write gives for each number of hashes
// and writes both JSON formats, and reports the time per hash at each size
// and its growth.
func hashGrowth(b *testing.B, sizes []int, write func(sb *strings.Builder, n int)) {
	paths := make([]string, len(sizes))
	for i, n := range sizes {
		var sb strings.Builder
		write(&sb, n)
		paths[i] = filepath.Join(b.TempDir(), "requirements.txt")
		if err := os.WriteFile(paths[i], []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	perHash := make([]time.Duration, len(sizes))
	for b.Loop() {
		for i, path := range paths {
			start := time.Now()
			in := Inputs{Subject: Subject{Name: "bench"}, Python: []string{path}, Offline: true,
				NoLicenses: true}
			bom, err := Collect(context.Background(), in)
			if err != nil {
				b.Fatal(err)
			}
			for _, f := range []Format{CycloneDXJSON, SPDXJSON} {
				if _, err := Encode(io.Discard, bom, f, EncodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			perHash[i] += time.Since(start) / time.Duration(sizes[i])
		}
	}
	for i, n := range sizes {
		b.ReportMetric(float64(perHash[i])/float64(b.N), fmt.Sprintf("ns/hash@%d", n))
	}
	b.ReportMetric(float64(perHash[1])/float64(perHash[0]), "growth")
}
