//go:build unix

package main

import (
	"io/fs"
	"os"
	"syscall"
	"testing"
)

// Documents get the permissions a user expects: those of the file they
// replace, else those of any new file under the user's umask (a umask of
// 077 keeps them private, as it would a file written with `>`).
func TestSBOMOutModes(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"requirements.txt": "idna==3.7\n"})
	old := syscall.Umask(0o077)
	t.Cleanup(func() { syscall.Umask(old) })
	args := []string{"sbom", "--python", "requirements.txt", "--product", "p", "--version", "v1",
		"--out", "out"}
	if code, _, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := map[string]fs.FileMode{"out/p_v1.cdx.json": 0o600, "out/p_v1.spdx.json": 0o600}
	checkModes(t, want)

	syscall.Umask(0o022)
	if err := os.Chmod("out/p_v1.cdx.json", 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove("out/p_v1.spdx.json"); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, args...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want = map[string]fs.FileMode{"out/p_v1.cdx.json": 0o640, "out/p_v1.spdx.json": 0o644}
	checkModes(t, want)
}

func checkModes(t *testing.T, want map[string]fs.FileMode) {
	t.Helper()
	for name, mode := range want {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != mode {
			t.Errorf("%s: mode %#o, want %#o", name, got, mode)
		}
	}
}
