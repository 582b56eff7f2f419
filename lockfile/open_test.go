//go:build unix

package lockfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// parseWithin parses path from the operating system's files, failing the
// test if Parse has not returned within 20 seconds (a loop, a blocked read).
func parseWithin(t *testing.T, path string) (*File, error) {
	t.Helper()
	type result struct {
		f   *File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := Parse(path, ParseOptions{Getenv: func(string) string { return "" }})
		done <- result{f, err}
	}()
	select {
	case r := <-done:
		return r.f, r.err
	case <-time.After(20 * time.Second):
		t.Fatalf("Parse(%s) has not returned after 20s", path)
		return nil, nil
	}
}

// inDir writes files into a new folder and makes it the working folder,
// so that messages name the relative paths.
func inDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
	return dir
}

// TestParseSymlinkCycles: a cycle through symbolic links is found at once,
// by file identity; pip refuses it.
func TestParseSymlinkCycles(t *testing.T) {
	inDir(t, map[string]string{
		"a.txt": "-r x/a.txt\n-r y/a.txt\n-r x/b.txt\nfoo==1\n",
		"b.txt": "-r x/b.txt\nbar==1\n",
	})
	for _, link := range []string{"x", "y"} {
		if err := os.Symlink(".", link); err != nil {
			t.Fatal(err)
		}
	}
	f, err := parseWithin(t, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a.txt:1: -r x/a.txt: a cycle: x/a.txt is a.txt, " +
			"which is being read already; pip refuses it",
		"a.txt:2: -r y/a.txt: a cycle: y/a.txt is a.txt, " +
			"which is being read already; pip refuses it",
		"x/b.txt:1: -r x/b.txt: a cycle: x/x/b.txt is x/b.txt, " +
			"which is being read already; pip refuses it",
	}
	if diff := cmp.Diff(want, problems(f)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if len(f.Requirements) != 2 {
		t.Errorf("got %d requirements, want foo and bar", len(f.Requirements))
	}
}

// TestParseNotRegular: a named pipe, a device, a folder or a file past
// MaxFileSize is not read, never blocks, and is a file:line: problem
// naming the include, or, given to Parse, an error.
func TestParseNotRegular(t *testing.T) {
	dir := inDir(t, map[string]string{
		"a.txt": "-r fifo\n-r /dev/zero\n-c sub\n-r big.txt\nfoo==1\n",
	})
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(dir, "big.txt"), MaxFileSize+1); err != nil {
		t.Fatal(err)
	}

	f, err := parseWithin(t, "a.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"a.txt:1: -r fifo: fifo is a named pipe, not a regular file; not read",
		"a.txt:2: -r /dev/zero: /dev/zero is a device, not a regular file; not read",
		"a.txt:3: -c sub: sub is a folder, not a file; not read",
		"a.txt:4: -r big.txt: big.txt is larger than 64 MiB; not read",
	}
	if diff := cmp.Diff(want, problems(f)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	for _, p := range f.Problems {
		if p.Rule != RuleIncludeMissing {
			t.Errorf("%s: rule %s, want %s", p, p.Rule, RuleIncludeMissing)
		}
	}

	for _, name := range []string{"fifo", "/dev/zero", "sub", "big.txt"} {
		_, err := parseWithin(t, name)
		if err == nil || !strings.Contains(err.Error(), name+" is ") {
			t.Errorf("Parse(%s) error = %v, want one saying what it is", name, err)
		}
	}
}

// TestParseIncludeLimits: -r chains nest at most maxIncludeDepth files
// deep, and one Parse reads at most maxFiles files.
func TestParseIncludeLimits(t *testing.T) {
	chain := map[string]string{"requirements.txt": "-r f1.txt\n"}
	for i := 1; i <= maxIncludeDepth+5; i++ {
		chain[fmt.Sprintf("f%d.txt", i)] = fmt.Sprintf("-r f%d.txt\npkg%d==1\n", i+1, i)
	}
	f := parseFS(t, chain, nil)
	want := []string{fmt.Sprintf("f%d.txt:1: -r f%d.txt: -r and -c nest more than %d files deep "+
		"here; not read", maxIncludeDepth-1, maxIncludeDepth, maxIncludeDepth)}
	if diff := cmp.Diff(want, problems(f)); diff != "" {
		t.Errorf("deep chain: problems (-want +got):\n%s", diff)
	}

	var top strings.Builder
	wide := map[string]string{}
	for i := 1; i <= maxFiles+1; i++ {
		fmt.Fprintf(&top, "-r f%d.txt\n", i)
		wide[fmt.Sprintf("f%d.txt", i)] = fmt.Sprintf("pkg%d==1\n", i)
	}
	wide["requirements.txt"] = top.String()
	f = parseFS(t, wide, nil)
	want = []string{
		fmt.Sprintf("requirements.txt:%d: -r f%d.txt: more than %d files are reached through -r "+
			"and -c; not read", maxFiles, maxFiles, maxFiles),
		fmt.Sprintf("requirements.txt:%d: -r f%d.txt: more than %d files are reached through -r "+
			"and -c; not read", maxFiles+1, maxFiles+1, maxFiles),
	}
	if diff := cmp.Diff(want, problems(f)); diff != "" {
		t.Errorf("many files: problems (-want +got):\n%s", diff)
	}
	if len(f.Files) != maxFiles {
		t.Errorf("read %d files, want %d", len(f.Files), maxFiles)
	}
}

// TestLockOutNotRegular: a lockfile path that names a named pipe is an
// error before any backend runs, not a blocked read.
func TestLockOutNotRegular(t *testing.T) {
	r := withStandIn(t, "pip-compile", "succeed")
	if err := os.Remove(r.opts.Out); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(r.opts.Out, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := Lock(context.Background(), r.opts)
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is a named pipe, not a regular file") {
			t.Errorf("Lock error = %v, want one naming the named pipe", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Lock has not returned after 20s")
	}
	if _, err := os.Stat(r.log + ".args"); err == nil {
		t.Error("the backend ran")
	}
}

// TestLockOutSymlink: a lockfile path that is a symbolic link is refused
// before any backend runs; the link and its target stay as they were.
func TestLockOutSymlink(t *testing.T) {
	r := withStandIn(t, "pip-compile", "succeed")
	target := filepath.Join(t.TempDir(), "real.txt")
	if err := os.Rename(r.opts.Out, target); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, r.opts.Out); err != nil {
		t.Fatal(err)
	}
	_, err := Lock(context.Background(), r.opts)
	if err == nil || !strings.Contains(err.Error(), "is a symbolic link (to "+target+")") {
		t.Errorf("Lock error = %v, want one naming the link and its target", err)
	}
	if fi, err := os.Lstat(r.opts.Out); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is now %v, %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != oldLock {
		t.Errorf("the link's target changed:\n%s", b)
	}
	if _, err := os.Stat(r.log + ".args"); err == nil {
		t.Error("the backend ran")
	}
}
