// Package testparts finds the real programs that tests run against: pip, a
// S3-compatible server, Chromium. A missing part fails the test under
// CI=true and skips it elsewhere, saying what to install.
package testparts

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// CI reports whether the tests run in continuous integration, where every
// part must be present.
func CI() bool {
	return os.Getenv("CI") == "true"
}

// ToolsDir is where `make test` installs Go tools the tests need
// (scripts/test-deps.sh): $XDG_CACHE_HOME/sbompipe/bin, or
// ~/.cache/sbompipe/bin.
func ToolsDir() string {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "sbompipe", "bin")
}

// Missing fails the test under CI=true and skips it elsewhere. The message
// should say what is missing and how to install it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("missing test part (CI=true): "+format, args...)
	}
	t.Skipf("skipping: "+format, args...)
}

// Command returns the path of the named program, looked up on PATH and then
// in ToolsDir. When it is absent the test is failed or skipped (see
// Missing) with install as the hint.
func Command(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if dir := ToolsDir(); dir != "" {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	Missing(t, "%s not found; %s", name, install)
	return ""
}

// Python returns the python3 interpreter that has pip, for tests that run
// pip against a package index served on 127.0.0.1.
func Python(t testing.TB) string {
	t.Helper()
	py := Command(t, "python3", "install python3 and python3-pip (apt-get install python3-pip)")
	if err := exec.Command(py, "-m", "pip", "--version").Run(); err != nil {
		Missing(t, "%s -m pip does not run (%v); install python3-pip", py, err)
	}
	return py
}

// Chromium returns the path of a headless-capable Chromium.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "chromium not found; apt-get install chromium (make test does this)")
	return ""
}

// Versitygw returns the path of the versitygw S3 gateway.
func Versitygw(t testing.TB) string {
	t.Helper()
	return Command(t, "versitygw",
		"go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 (make test does this)")
}

// Shared returns the folder shared/<sub> (the corpus of real inputs, the
// schemas) that sits beside the checkout: the nearest folder named shared
// above the working directory that has <sub>. When it is absent the test
// is failed or skipped (see Missing).
func Shared(t testing.TB, sub string) string {
	t.Helper()
	if dir := FindShared(sub); dir != "" {
		return dir
	}
	Missing(t, "shared/%s is not beside the checkout (the corpus and schemas the tests read)", sub)
	return ""
}

// FindShared returns shared/<sub> like Shared, or "" when it is absent.
func FindShared(sub string) string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		p := filepath.Join(dir, "shared", filepath.FromSlash(sub))
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
