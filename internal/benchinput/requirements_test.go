package benchinput

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sentrikat/sbompipe/lockfile"
)

var update = flag.Bool("update", false, "rewrite testdata/requirements-30.txt")

func generate(t *testing.T, r Requirements) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := r.Write(&buf); err != nil {
		t.Fatalf("%+v.Write: %v", r, err)
	}
	return buf.Bytes()
}

// TestGolden pins the bytes of a small lockfile, so that the figures in
// docs/performance.md stay reproducible: a change to the generator shows
// up here. Run go test -update after a deliberate change.
func TestGolden(t *testing.T) {
	got := generate(t, Requirements{Entries: 30, Seed: 7})
	path := filepath.Join("testdata", "requirements-30.txt")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Requirements{30, 7} differs from %s; run go test -update and review the diff",
			path)
	}
}

func TestSeed(t *testing.T) {
	a := generate(t, Requirements{Entries: 300, Seed: 1})
	b := generate(t, Requirements{Entries: 300, Seed: 1})
	c := generate(t, Requirements{Entries: 300, Seed: 2})
	if !bytes.Equal(a, b) {
		t.Error("the same seed gave different bytes")
	}
	if bytes.Equal(a, c) {
		t.Error("seeds 1 and 2 gave the same bytes")
	}
}

// TestParses reads generated lockfiles with sbompipe's own parser and
// verifier: every entry pinned and hashed, pip-compile's header read, and
// every "# via" naming requirements.in or another entry.
func TestParses(t *testing.T) {
	for _, n := range []int{1, 2, 30, 3000} {
		path := filepath.Join(t.TempDir(), "requirements.txt")
		data := generate(t, Requirements{Entries: n, Seed: 7})
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := lockfile.Parse(path, lockfile.ParseOptions{})
		if err != nil {
			t.Fatalf("%d entries: Parse: %v", n, err)
		}
		if f.Header.Generator != "pip-compile" {
			t.Errorf("%d entries: generator %q, want pip-compile", n, f.Header.Generator)
		}
		rep, err := lockfile.Verify(context.Background(), f, lockfile.VerifyOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Requirements != n || rep.Errors+rep.Warnings != 0 {
			t.Errorf("%d entries: Verify: %d requirements, %d errors, %d warnings (%v); "+
				"want %d, 0, 0",
				n, rep.Requirements, rep.Errors, rep.Warnings, rep.Findings, n)
		}
		names := map[string]bool{}
		for _, r := range f.Requirements {
			names[r.Canonical] = true
		}
		hashes, edges, direct := 0, 0, 0
		for _, r := range f.Requirements {
			hashes += len(r.Hashes)
			if len(r.Via) == 0 {
				t.Errorf("%d entries: %s has no # via", n, r.Name)
			}
			for _, v := range r.Via {
				switch {
				case v == "-r requirements.in":
					direct++
				case names[v]:
					edges++
				default:
					t.Errorf("%d entries: %s: # via %q names no entry", n, r.Name, v)
				}
			}
		}
		if n >= 30 && (hashes < 3*n || direct < n/10 || edges < n) {
			t.Errorf("%d entries: %d hashes, %d from requirements.in, %d edges; "+
				"want at least %d, %d and %d", n, hashes, direct, edges, 3*n, n/10, n)
		}
		last := f.Requirements[len(f.Requirements)-1].Name
		if !strings.Contains(last, "setuptools") {
			t.Errorf("%d entries: last entry %s, want setuptools", n, last)
		}
	}
}

func TestNoEntries(t *testing.T) {
	if err := (Requirements{}).Write(&bytes.Buffer{}); err == nil {
		t.Error("Requirements{}.Write = nil error, want one")
	}
}
