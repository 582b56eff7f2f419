package sbom

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

// testModuleFiles is a module that needs only modules already in the
// module cache (sbompipe requires them): one replaced by another version,
// one plain, and one replaced by a local directory.
var testModuleFiles = map[string]string{
	"app/go.mod": `module example.com/app

go 1.22

require (
	example.com/lib v0.0.0
	github.com/google/go-cmp v0.7.0
	github.com/google/uuid v1.5.0
)

replace github.com/google/uuid v1.5.0 => github.com/google/uuid v1.6.0

replace example.com/lib => ../lib
`,
	"app/go.sum": `github.com/google/go-cmp v0.7.0 h1:wk8382ETsv4JYUZwIsn6YpYiWiBsYLSJiTsyBybVuN8=
github.com/google/go-cmp v0.7.0/go.mod h1:pXiqmnSA92OHEEa9HXL2W4E7lf9JzCmGVUdgjX3N/iU=
github.com/google/uuid v1.6.0 h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=
github.com/google/uuid v1.6.0/go.mod h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=
`,
	"app/main.go": `package main

import (
	"fmt"

	"example.com/lib"
	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
)

var version = "dev"

func main() { fmt.Println(version, lib.Name, cmp.Equal(1, 1), uuid.Nil) }
`,
	"lib/go.mod": "module example.com/lib\n\ngo 1.22\n",
	"lib/lib.go": "package lib\n\nconst Name = \"lib\"\n",
}

// offlineGoEnv is the environment of go commands in tests: the module
// cache only, no network, no toolchain download.
func offlineGoEnv() []string {
	return append(os.Environ(), "GOFLAGS=-mod=mod -buildvcs=false", "GOPROXY=off",
		"GOTOOLCHAIN=local", "GOWORK=off")
}

func TestGoBinary(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		testparts.Missing(t, "no go command to build a binary with; install Go")
	}
	dir := t.TempDir()
	writeFiles(t, dir, testModuleFiles)
	bin := filepath.Join(dir, "agent")
	cmd := exec.Command(goCmd, "build", "-ldflags", "-X main.version=1.4.0", "-o", bin, ".")
	cmd.Dir = filepath.Join(dir, "app")
	cmd.Env = offlineGoEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	b := collectTest(t, Inputs{GoBinaries: []string{bin}, NoLicenses: true})
	type fact struct {
		name, version, hash string
		props               []Property
	}
	got := map[string]fact{}
	for _, c := range b.Components {
		h := ""
		if len(c.Hashes) > 0 {
			h = c.Hashes[0].Value
		}
		var props []Property
		for _, p := range c.Properties {
			if p.Name == "sbompipe:go:replaces" || p.Name == "sbompipe:go:local-replacement" ||
				p.Name == "sbompipe:go:version-from" {
				props = append(props, p)
			}
		}
		got[c.Name] = fact{c.Name, c.Version, h, props}
	}
	sum, err := fileSHA256(t.Context(), bin)
	if err != nil {
		t.Fatal(err)
	}
	goVersion := strings.Fields(runtime.Version())[0]
	want := map[string]fact{
		"example.com/app": {"example.com/app", "v1.4.0", sum,
			[]Property{{"sbompipe:go:version-from", "-ldflags -X"}}},
		"example.com/lib": {"example.com/lib", "", "",
			[]Property{{"sbompipe:go:local-replacement", "../lib"}}},
		"github.com/google/go-cmp": {"github.com/google/go-cmp", "v0.7.0",
			"c24f37f36113b2fe0961467022c9fa6296225a206c60b489893b320726d5b8df", nil},
		"github.com/google/uuid": {"github.com/google/uuid", "v1.6.0",
			"348bda24330eb231c0f27d630212d2833ac0cf2d4782bfa136b6f9edefbde05d",
			[]Property{{"sbompipe:go:replaces", "github.com/google/uuid@v1.5.0"}}},
		"stdlib": {"stdlib", goVersion, "", nil},
	}
	for name, w := range want {
		g := got[name]
		if g.name != w.name || g.version != w.version || g.hash != w.hash ||
			!slices.Equal(g.props, w.props) {
			t.Errorf("component %s = %+v, want %+v", name, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d components, want %d: %v", len(got), len(want), got)
	}
	encodeAll(t, b)

	// The digest is added once everything else is done: a binary named
	// twice, or a copy of it, is one component with one digest.
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, "agent-copy")
	if err := os.WriteFile(copied, data, 0o755); err != nil {
		t.Fatal(err)
	}
	b = collectTest(t, Inputs{GoBinaries: []string{bin, copied, bin}, NoLicenses: true})
	var hashes [][]Hash
	for _, c := range b.Components {
		if c.Name == "example.com/app" {
			hashes = append(hashes, c.Hashes)
		}
	}
	if want := [][]Hash{{{Algorithm: "SHA-256", Value: sum}}}; !slices.EqualFunc(hashes, want, slices.Equal) {
		t.Errorf("a binary named three times: hashes %v, want %v", hashes, want)
	}
}

func TestGoMainVersion(t *testing.T) {
	vcs := map[string]string{
		"vcs.revision": "0123456789abcdef0123",
		"vcs.time":     "2026-04-17T09:00:00Z",
	}
	tests := []struct {
		stamped  string
		settings map[string]string
		want     string
	}{
		{"v1.2.3", nil, "v1.2.3"},
		{"(devel)", map[string]string{"-ldflags": "-s -w -X main.version=1.4.0"}, "v1.4.0"},
		{"(devel)",
			map[string]string{"-ldflags": "-X=github.com/x/y/internal.Version=v2.0.0-rc.1"},
			"v2.0.0-rc.1"},
		{"(devel)", map[string]string{"-ldflags": "-X 'main.version=nightly'"}, "nightly"},
		{"(devel)", map[string]string{"-ldflags": "-X main.commit=abc"}, ""},
		{"(devel)", vcs, "v0.0.0-20260417090000-0123456789ab"},
		{"", map[string]string{"vcs.revision": vcs["vcs.revision"], "vcs.time": vcs["vcs.time"],
			"vcs.modified": "true"}, "v0.0.0-20260417090000-0123456789ab+dirty"},
		{"(devel)", nil, ""},
	}
	for _, tt := range tests {
		got, _ := goMainVersion(tt.stamped, tt.settings)
		if got != tt.want {
			t.Errorf("goMainVersion(%q, %v) = %q, want %q", tt.stamped, tt.settings, got, tt.want)
		}
	}
}

// goEnvGoVersion is the Go version the go command builds dir with.
func goEnvGoVersion(t *testing.T, dir string) string {
	t.Helper()
	cmd := exec.Command("go", "env", "GOVERSION")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go env GOVERSION: %v", err)
	}
	return strings.TrimSpace(string(out))
}

func TestGoModGraph(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		testparts.Missing(t, "no go command to run go mod graph with; install Go")
	}
	dir := t.TempDir()
	writeFiles(t, dir, testModuleFiles)
	app := filepath.Join(dir, "app")
	b := collectTest(t, Inputs{GoModules: []string{app}, Env: offlineGoEnv(), NoLicenses: true})
	if len(b.Warnings) > 0 || len(b.Incomplete) > 0 {
		t.Fatalf("go mod graph did not run: warnings %q, incomplete %v", b.Warnings, b.Incomplete)
	}
	got := dependsOn(b, "go:main:example.com/app@v1.4.0")
	want := []string{
		"go:github.com/google/go-cmp@v0.7.0",
		"go:github.com/google/uuid@v1.6.0",
		"go:local:example.com/lib=>../lib",
		"go:stdlib@" + goEnvGoVersion(t, app),
	}
	if !slices.Equal(got, want) {
		t.Errorf("main module depends on %q, want %q", got, want)
	}
	encodeAll(t, b)

	// A go command that fails leaves the direct requirements and says so.
	b = collectTest(t, Inputs{GoModules: []string{app}, GoCommand: "false", NoLicenses: true})
	if len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], "go mod graph") {
		t.Errorf("warnings %q, want one about go mod graph", b.Warnings)
	}
	if len(b.Incomplete) != 1 {
		t.Errorf("incomplete = %v, want one composition", b.Incomplete)
	}
	// Without a go command the standard library is the go directive's.
	want[len(want)-1] = "go:stdlib@go1.22"
	if got := dependsOn(b, "go:main:example.com/app@v1.4.0"); !slices.Equal(got, want) {
		t.Errorf("fallback: main module depends on %q, want %q", got, want)
	}
}

func TestGoWorkspace(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"go.work": "go 1.23\n\ntoolchain go1.26.1\n\nuse (\n\t./app\n\t./lib\n\t./gone\n)\n",
		"go.work.sum": "example.com/extra v1.0.0 " +
			"h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
		"lib/go.mod": "module example.com/lib\n\ngo 1.22\n\n" +
			"require github.com/google/go-cmp v0.6.0\n",
		"lib/go.sum":   "",
		"app/main.go":  "package main\n",
		"lib/extra.go": "package lib\n",
	}
	for k, v := range testModuleFiles {
		if strings.HasPrefix(k, "app/") {
			files[k] = v
		}
	}
	files["app/go.mod"] += "require example.com/extra v1.0.0\n"
	writeFiles(t, dir, files)

	b := collectTest(t, Inputs{GoModules: []string{dir}, Offline: true, NoLicenses: true})
	var names []string
	for _, c := range b.Components {
		names = append(names, c.Name+"@"+c.Version)
	}
	want := []string{
		"example.com/app@v1.4.0", "example.com/extra@v1.0.0", "example.com/lib@v1.4.0",
		"github.com/google/go-cmp@v0.7.0", "github.com/google/uuid@v1.6.0", "stdlib@go1.26.1",
	}
	if !slices.Equal(names, want) {
		t.Errorf("workspace components %q, want %q", names, want)
	}
	extra := b.Component("go:example.com/extra@v1.0.0")
	if extra == nil || len(extra.Hashes) != 1 {
		t.Errorf("example.com/extra has no hash from go.work.sum: %+v", extra)
	}
	if len(b.Warnings) != 1 || !strings.Contains(b.Warnings[0], "gone has no go.mod") {
		t.Errorf("warnings %q, want one about ./gone", b.Warnings)
	}
	// Both main modules hang off the subject.
	if got := dependsOn(b, b.Subject.Key); len(got) != 2 {
		t.Errorf("subject depends on %q, want the two main modules", got)
	}
	encodeAll(t, b)
}

// fileSHA256 reads in pieces on one goroutine and hashes on another: every
// size around a piece's boundary gives the file's SHA-256.
func TestFileSHA256(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 3<<20+5)
	for i := range data {
		data[i] = byte(i*7 + i>>11)
	}
	for _, n := range []int{0, 1, 256<<10 - 1, 256 << 10, 256<<10 + 1, 4 << 18, 4<<18 + 1, len(data)} {
		p := filepath.Join(dir, fmt.Sprint(n))
		if err := os.WriteFile(p, data[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := fileSHA256(t.Context(), p)
		if want := fmt.Sprintf("%x", sha256.Sum256(data[:n])); err != nil || got != want {
			t.Errorf("%d bytes: %s, %v; want %s", n, got, err, want)
		}
	}
	if _, err := fileSHA256(t.Context(), dir); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("a folder: %v, want an error naming it", err)
	}
	if _, err := fileSHA256(t.Context(), filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing file: no error")
	}

	// A FIFO or a device is refused at once, not waited on or read for
	// ever; so is a binary named that way.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, "/dev/zero"} {
		done := make(chan error, 2)
		go func() {
			_, err := fileSHA256(t.Context(), p)
			done <- err
			_, err = Collect(t.Context(), Inputs{Subject: Subject{Name: "x"},
				GoBinaries: []string{p}, NoLicenses: true, Offline: true})
			done <- err
		}()
		for range 2 {
			select {
			case err := <-done:
				if err == nil || !strings.Contains(err.Error(), "not a regular file") {
					t.Errorf("%s: %v, want not a regular file", p, err)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: still reading after 10 s", p)
			}
		}
	}

	// A large file: hashing stops when the context is done, and a file
	// that changes while it is read gives an error, not the digest of a
	// mix of its versions.
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 1<<30); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := fileSHA256(ctx, big); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := fileSHA256(t.Context(), big)
		done <- err
	}()
	f, err := os.OpenFile(big, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for grow := time.Tick(10 * time.Millisecond); ; {
		select {
		case err := <-done:
			if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
				t.Errorf("a file that grew while it was read: %v", err)
			}
			return
		case <-grow:
			f.Write([]byte{1})
		}
	}
}

// The build info and the digest of a binary come from one open file: a
// binary replaced by a rename while Collect runs (a deploy does that) does
// not pair one file's modules with the other's digest. The go command
// here stands in for the time a module's `go env` takes, and renames
// another build over the binary meanwhile.
func TestGoBinaryOneFile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		testparts.Missing(t, "no go command to build a binary with; install Go")
	}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"src/go.mod":  "module example.com/hello\n\ngo 1.21\n",
		"src/main.go": "package main\n\nvar version string\n\nfunc main() { println(version) }\n",
		"mod/go.mod":  "module example.com/m\n\ngo 1.21\n",
	})
	sums := map[string]string{}
	for _, v := range []string{"1.0.0", "2.0.0"} {
		out := filepath.Join(dir, "hello-"+v)
		cmd := exec.Command("go", "build", "-ldflags", "-X main.version="+v, "-o", out, ".")
		cmd.Dir = filepath.Join(dir, "src")
		cmd.Env = append(offlineGoEnv(), "GOFLAGS=-buildvcs=false")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build: %v\n%s", err, b)
		}
		sum, err := fileSHA256(t.Context(), out)
		if err != nil {
			t.Fatal(err)
		}
		sums["v"+v] = sum
	}
	bin := filepath.Join(dir, "bin")
	if err := os.Link(filepath.Join(dir, "hello-1.0.0"), bin); err != nil {
		t.Fatal(err)
	}
	fakeGo := filepath.Join(dir, "fakego")
	script := "#!/bin/sh\nsleep 0.3\nln -f '" + filepath.Join(dir, "hello-2.0.0") + "' '" +
		filepath.Join(dir, "next") + "'\nmv '" + filepath.Join(dir, "next") + "' '" + bin + "'\n" +
		`echo '{"GOVERSION":"go1.21.0","GOMODCACHE":"","GOFLAGS":"","GOWORK":""}'` + "\n"
	if err := os.WriteFile(fakeGo, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := Collect(t.Context(), Inputs{Subject: Subject{Name: "x"},
		GoModules: []string{filepath.Join(dir, "mod")}, GoBinaries: []string{bin},
		GoCommand: fakeGo, NoLicenses: true, Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	c := b.Component("go:binary:example.com/hello@v1.0.0#" + runtime.GOOS + "/" + runtime.GOARCH)
	if c == nil {
		t.Fatalf("no component of the binary as it was when Collect started: %v", b.Components)
	}
	if len(c.Hashes) != 1 || c.Hashes[0].Value != sums["v1.0.0"] {
		t.Errorf("v1.0.0 with %v, want its own SHA-256 %s (v2.0.0's is %s)",
			c.Hashes, sums["v1.0.0"], sums["v2.0.0"])
	}
}

// fileSHA256 returns the hex SHA-256 of the binary at path as Collect
// takes it: opened by openBinary, hashed by hashFile.
func fileSHA256(ctx context.Context, path string) (string, error) {
	f, fi, err := openBinary(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return hashFile(ctx, f, fi)
}

// Build info the go command does not write, made by hand to put text into
// the documents, is refused; a real one's local replacement is not.
func TestCheckBuildInfo(t *testing.T) {
	sum := "h1:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
	good := func() *buildinfo.BuildInfo {
		return &buildinfo.BuildInfo{GoVersion: "go1.26.8", Path: "example.com/cmd",
			Main: debug.Module{Path: "example.com/cmd", Version: "(devel)"},
			Deps: []*debug.Module{
				{Path: "golang.org/x/mod", Version: "v0.31.0", Sum: sum},
				{Path: "example.com/lib", Version: "v0.0.0-00010101000000-000000000000",
					Replace: &debug.Module{Path: "../lib", Version: "(devel)"}},
			},
			Settings: []debug.BuildSetting{{Key: "GOOS", Value: "linux"}}}
	}
	if err := checkBuildInfo(good()); err != nil {
		t.Fatalf("good build info: %v", err)
	}
	for name, change := range map[string]func(bi *buildinfo.BuildInfo){
		"path":         func(bi *buildinfo.BuildInfo) { bi.Deps[0].Path = "golang.org/x/<b>" },
		"version":      func(bi *buildinfo.BuildInfo) { bi.Deps[0].Version = "v0.3\x1b.0" },
		"not semver":   func(bi *buildinfo.BuildInfo) { bi.Deps[0].Version = "latest" },
		"sum":          func(bi *buildinfo.BuildInfo) { bi.Deps[0].Sum = "h1:!!!!" },
		"main version": func(bi *buildinfo.BuildInfo) { bi.Main.Version = "v1\u202e" },
		"main semver":  func(bi *buildinfo.BuildInfo) { bi.Main.Version = "v1.2.xx" },
		"setting":      func(bi *buildinfo.BuildInfo) { bi.Settings[0].Value = "linux\x1b[2J" },
		"replacement":  func(bi *buildinfo.BuildInfo) { bi.Deps[1].Replace.Path = "../lib\n" },
	} {
		bi := good()
		change(bi)
		if err := checkBuildInfo(bi); err == nil {
			t.Errorf("%s: forged build info was taken", name)
		}
	}
	for ldflags, want := range map[string]string{
		"-X main.version=1.2.3":            "v1.2.3",
		"-X main.version=\x1b[31m<b>1</b>": "",
		"-X main.Version=v2.0.0-rc.1+b.7":  "v2.0.0-rc.1+b.7",
	} {
		if got := ldflagsVersion(ldflags); got != want {
			t.Errorf("ldflagsVersion(%q) = %q, want %q", ldflags, got, want)
		}
	}
}
