package sbom

import (
	"os"
	"path/filepath"
	"testing"
)

func TestLicenses(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, testModuleFiles)
	// A license file the classifier cannot place asserts nothing.
	writeFiles(t, dir, map[string]string{"lib/LICENSE": "All rights reserved. Ask us.\n"})
	cache := filepath.Join(os.Getenv("HOME"), "go", "pkg", "mod")
	if v := os.Getenv("GOMODCACHE"); v != "" {
		cache = v
	}
	license := filepath.Join(cache, "github.com", "google", "uuid@v1.6.0", "LICENSE")
	if _, err := os.Stat(license); err != nil {
		t.Skipf("github.com/google/uuid v1.6.0 is not in the module cache (%v); "+
			"run go mod download", err)
	}

	b := collectTest(t, Inputs{GoModules: []string{filepath.Join(dir, "app")}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}})
	want := map[string]string{
		"github.com/google/uuid":   "BSD-3-Clause",
		"github.com/google/go-cmp": "BSD-3-Clause",
		"example.com/lib":          "",
		"example.com/app":          "",
		"stdlib":                   "BSD-3-Clause",
	}
	for _, c := range b.Components {
		if c.License != want[c.Name] {
			t.Errorf("%s: license %q, want %q", c.Name, c.License, want[c.Name])
		}
	}
	encodeAll(t, b)

	b = collectTest(t, Inputs{GoModules: []string{filepath.Join(dir, "app")}, Offline: true,
		Env: []string{"GOMODCACHE=" + cache}, NoLicenses: true})
	if c := b.Component("go:github.com/google/uuid@v1.6.0"); c.License != "" {
		t.Errorf("NoLicenses: uuid has license %q", c.License)
	}
}
