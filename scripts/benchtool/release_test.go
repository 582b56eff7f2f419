package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"

	"github.com/sentrikat/sbompipe/archive"
)

func TestGoModSubset(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "out")
	files := map[string]string{
		"go.mod": "module example.com/src\n\ngo 1.26.0\n\nrequire (\n" +
			"\texample.com/a v1.0.0\n\texample.com/b v1.1.0 // indirect\n" +
			"\texample.com/c v0.1.0\n)\n",
		"go.sum": "example.com/a v1.0.0 h1:AAAA=\nexample.com/a v1.0.0/go.mod h1:AAAB=\n" +
			"example.com/b v1.1.0 h1:BBBB=\nexample.com/b v1.1.0/go.mod h1:BBBC=\n" +
			"example.com/c v0.1.0/go.mod h1:CCCC=\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(src, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeGoModSubset(src, dst, 2); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dst, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", data, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range f.Require {
		got = append(got, r.Mod.String())
	}
	if strings.Join(got, " ") != "example.com/a@v1.0.0 example.com/b@v1.1.0" ||
		f.Go.Version != "1.26.0" {
		t.Errorf("go.mod requires %v, go %s; want a and b, go 1.26.0", got, f.Go.Version)
	}
	sum, err := os.ReadFile(filepath.Join(dst, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join(strings.Split(files["go.sum"], "\n")[:4], "\n") + "\n"
	if string(sum) != want {
		t.Errorf("go.sum = %q, want %q", sum, want)
	}
	if err := writeGoModSubset(src, dst, 4); err == nil {
		t.Error("a subset larger than the module: nil error, want one")
	}
}

func TestSeedArchive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	ctx := context.Background()
	if err := seedArchive(ctx, dir, "agent", 3); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := archive.ParseIndex("index.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(ix.Products) != 1 || len(ix.Products[0].Releases) != 3 {
		t.Fatalf("index: %+v, want one product with 3 releases", ix.Products)
	}
	for _, r := range ix.Products[0].Releases {
		if len(r.Documents) != 2 || r.Documents[0].Components != 20 {
			t.Errorf("release %s: %+v, want two documents of 20 components",
				r.Release, r.Documents)
		}
	}
	// A store that has an index is left as it is.
	if err := seedArchive(ctx, dir, "other", 1); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "other")); err == nil {
		t.Error("seeding a seeded store added releases")
	}
}
