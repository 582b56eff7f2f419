package lockfile

import (
	"os"
	"path/filepath"
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
	body := "--no-index\n--find-links wheels\n--extra-index-url https://mirror.example/simple\ncolorwheel>=3\n"
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
	if err := os.WriteFile(in, []byte("--extra-index-url https://mirror.example/simple\nx\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err = newLocker(LockOptions{In: in, Out: filepath.Join(dir, "requirements.txt"), Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{DefaultIndexURL, "https://mirror.example/simple"}
	if diff := cmp.Diff(want, l.sources().IndexURLs); diff != "" {
		t.Errorf("index URLs (-want +got):\n%s", diff)
	}
}
