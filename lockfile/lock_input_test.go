package lockfile

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The index options of requirements.in are where pip resolves from, so
// they are also where the files are hashed from: a --no-index input never
// sends the pip backend to the default index.
func TestLockTakesIndexOptionsOfTheInput(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"wheels", "out"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	in := filepath.Join(dir, "requirements.in")
	body := "--no-index\n--find-links wheels\n" +
		"--extra-index-url https://mirror.example/simple\ncolorwheel>=3\n"
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := newLocker(LockOptions{In: in, Out: filepath.Join(dir, "out", "requirements.txt"),
		FindLinks: []string{"https://wheels.example/links.html"}, Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if !l.opts.NoIndex {
		t.Error("NoIndex = false, want true from requirements.in")
	}
	wantLinks := []string{"https://wheels.example/links.html", filepath.Join("..", "wheels")}
	if diff := cmp.Diff(wantLinks, l.opts.FindLinks); diff != "" {
		t.Errorf("FindLinks (-want +got):\n%s", diff)
	}
	if s := l.sources(); len(s.IndexURLs) != 0 {
		t.Errorf("sources ask the indexes %v; want none with --no-index", s.IndexURLs)
	}
	args := l.indexArgs()
	if args[len(args)-1] != "--no-index" {
		t.Errorf("backend arguments %v lack --no-index", args)
	}

	// Without --no-index, the input's extra index is asked besides the
	// default one.
	body = "--extra-index-url https://mirror.example/simple\nx\n"
	if err := os.WriteFile(in, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err = newLocker(LockOptions{
		In:  in,
		Out: filepath.Join(dir, "requirements.txt"),
		Env: []string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{DefaultIndexURL, "https://mirror.example/simple"}
	if diff := cmp.Diff(want, l.sources().IndexURLs); diff != "" {
		t.Errorf("index URLs (-want +got):\n%s", diff)
	}
}

// TestLockRefusesUnhashable: VCS, local-directory and editable entries of
// the input (and of its constraint files) are named, with their file and
// line, before any backend runs: it would clone or build them, and no hash
// could cover its result.
func TestLockRefusesUnhashable(t *testing.T) {
	in := "idna\n" +
		"git+https://ci:s3cret@git.example/x.git#egg=x\n" +
		"./localpkg\n" +
		"-e ./localpkg\n" +
		"./dist/tool-1.0-py3-none-any.whl\n" + // an archive: hashable
		"-c constraints.txt\n"
	want := []string{
		"requirements.in: no hash can cover these requirements, so no backend was run " +
			"(require packages from an index or built archives; " +
			"install these in a separate step):",
		"requirements.in:2: x (git+https://git.example/x.git#egg=x) is a VCS requirement",
		"requirements.in:3: ./localpkg is a local directory",
		"requirements.in:4: -e ./localpkg is editable",
		"constraints.txt:1: y (git+https://git.example/y.git) is a VCS requirement",
	}
	for _, backend := range []string{BackendPipCompile, BackendUV, BackendPip} {
		t.Run(backend, func(t *testing.T) {
			name := backend
			if backend == BackendPip {
				name = "python3"
			}
			r := withStandIn(t, name, "succeed")
			r.opts.Backend = backend
			r.opts.Python = "python3" // for pip: the stand-in
			for file, text := range map[string]string{"requirements.in": in,
				"constraints.txt": "y @ git+https://git.example/y.git\n"} {
				err := os.WriteFile(filepath.Join(r.dir, file), []byte(text), 0o644)
				if err != nil {
					t.Fatal(err)
				}
			}
			t.Chdir(r.dir)
			r.opts.In, r.opts.Out = "requirements.in", "requirements.txt"

			_, err := Lock(context.Background(), r.opts)
			if err == nil {
				t.Fatal("Lock succeeded")
			}
			if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(r.log + ".args"); err == nil {
				t.Errorf("%s ran", backend)
			}
			assertUnchanged(t, r.opts.Out, oldLock)
			assertNoTemp(t, r.dir)
		})
	}
}

// TestLockRefusesInputProblems: lines of the input (or of a file it
// includes) that pip would refuse or drop stop the lock before the
// backend runs, each named with its file and line; an include that is a
// device or a named pipe is never handed to the backend, which would
// read it for ever or wait on it.
func TestLockRefusesInputProblems(t *testing.T) {
	r := withStandIn(t, "pip-compile", "succeed")
	if err := syscall.Mkfifo(filepath.Join(r.dir, "pipe.in"), 0o644); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"requirements.in": "idna\nfoo==\n-r missing.in\n-r /dev/zero\n-r pipe.in\n-r more.in\n",
		"more.in":         "Foo_>=2\n",
	}
	for file, text := range files {
		if err := os.WriteFile(filepath.Join(r.dir, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(r.dir)
	r.opts.In, r.opts.Out = "requirements.in", "requirements.txt"
	_, err := Lock(context.Background(), r.opts)
	want := []string{
		"requirements.in: pip-compile would refuse or drop these lines, so it was not run:",
		`requirements.in:2: invalid requirement "foo==": expected a version after "=="`,
		"requirements.in:3: -r missing.in: missing.in does not exist",
		"requirements.in:4: -r /dev/zero: /dev/zero is a device, not a regular file; not read",
		"requirements.in:5: -r pipe.in: pipe.in is a named pipe, not a regular file; not read",
		"more.in:1: not a requirement or an option: an included file that starts so is " +
			"read no further, and its lines are not shown (is it a requirements file?)",
	}
	if err == nil {
		t.Fatal("Lock succeeded")
	}
	if diff := cmp.Diff(want, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(r.log + ".args"); err == nil {
		t.Error("the backend ran")
	}
	assertUnchanged(t, r.opts.Out, oldLock)
	assertNoTemp(t, r.dir)

	// uv reads its input by its own rules: it is left the lines that are
	// not requirements, but not the includes it cannot read.
	pipCompile, err := exec.LookPath("pip-compile")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(pipCompile), "uv"), []byte(standIn), 0o755); err != nil {
		t.Fatal(err)
	}
	r.opts.Backend = BackendUV
	_, err = Lock(context.Background(), r.opts)
	wantUV := []string{
		"requirements.in: uv would refuse or drop these lines, so it was not run:",
		want[2], want[3], want[4],
	}
	if err == nil {
		t.Fatal("Lock with uv succeeded")
	}
	if diff := cmp.Diff(wantUV, strings.Split(err.Error(), "\n")); diff != "" {
		t.Errorf("uv: error (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(r.log + ".args"); err == nil {
		t.Error("uv ran")
	}

	// verify --in reports the same lines of the input, as warnings: the
	// lockfile is what it checks.
	in, err := Parse("requirements.in", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lock, err := Parse("requirements.txt", ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(context.Background(), lock, VerifyOptions{Checks: []Check{InputCheck(in)}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range rep.Findings {
		if f.Rule == RuleSyntax || f.Rule == RuleIncludeMissing {
			got = append(got, fmt.Sprintf("%s:%d: %s %s", f.File, f.Line, f.Severity, f.Rule))
		}
	}
	wantFindings := []string{"more.in:1: warning syntax", // files outside the lockfile's, by name
		"requirements.in:2: warning syntax", "requirements.in:3: warning include-missing",
		"requirements.in:4: warning include-missing", "requirements.in:5: warning include-missing"}
	if diff := cmp.Diff(wantFindings, got); diff != "" {
		t.Errorf("verify --in findings (-want +got):\n%s", diff)
	}
}

// The pip backend cannot lock an input constrained by a hashed lockfile
// (dev.in with -c prod.txt): pip would check hashes for everything and
// refuse the unpinned input. It says so, naming the constraint, before
// pip runs; pip-compile takes it.
func TestLockHashedConstraints(t *testing.T) {
	r := withStandIn(t, "pip-compile", "succeed")
	files := map[string]string{
		"requirements.in": "-c prod.txt\nidna\n",
		"prod.txt":        "idna==3.7 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n",
	}
	for file, text := range files {
		if err := os.WriteFile(filepath.Join(r.dir, file), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(r.dir)
	r.opts.In, r.opts.Out = "requirements.in", "requirements.txt"
	r.opts.Backend = BackendPip
	r.opts.Python = "python3"
	_, err := Lock(context.Background(), r.opts)
	if err == nil || !strings.Contains(err.Error(), "prod.txt:1: this constraint has --hash options") {
		t.Fatalf("Lock with pip = %v, want the hashed constraint named", err)
	}
	assertUnchanged(t, r.opts.Out, oldLock)
	assertNoTemp(t, r.dir)

	r.opts.Backend = BackendPipCompile
	if _, err := Lock(context.Background(), r.opts); err != nil {
		t.Errorf("Lock with pip-compile: %v", err)
	}
}
