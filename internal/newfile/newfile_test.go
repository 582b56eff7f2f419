//go:build unix

package newfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// withUmask sets the process's umask for the test. Not for parallel tests:
// the umask is the process's.
func withUmask(t *testing.T, mask int) {
	old := syscall.Umask(mask)
	t.Cleanup(func() { syscall.Umask(old) })
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestCreateTempTakesTheUmask(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		umask int
		want  fs.FileMode
	}{{0o022, 0o644}, {0o027, 0o640}, {0o077, 0o600}, {0o002, 0o664}} {
		withUmask(t, tt.umask)
		f, err := CreateTemp(dir, ".doc.json.*.tmp")
		if err != nil {
			t.Fatal(err)
		}
		f.Close()
		name := filepath.Base(f.Name())
		if !strings.HasPrefix(name, ".doc.json.") || !strings.HasSuffix(name, ".tmp") ||
			len(name) == len(".doc.json..tmp") {
			t.Errorf("name %q does not follow the pattern", name)
		}
		if got := mode(t, f.Name()); got != tt.want {
			t.Errorf("umask %#o: mode %#o, want %#o", tt.umask, got, tt.want)
		}
	}
	if _, err := CreateTemp(dir, "a/b*"); err == nil {
		t.Error("a pattern with a path separator was taken")
	}
	if _, err := CreateTemp(filepath.Join(dir, "missing"), "x*"); err == nil {
		t.Error("a missing folder gave a file")
	}
}

func TestKeepMode(t *testing.T) {
	withUmask(t, 0o022)
	dir := t.TempDir()
	temp := filepath.Join(dir, "temp")
	dest := filepath.Join(dir, "dest")
	for _, name := range []string{temp, dest} {
		if err := os.WriteFile(name, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chmod(dest, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := KeepMode(temp, dest); err != nil {
		t.Fatal(err)
	}
	if got := mode(t, temp); got != 0o600 {
		t.Errorf("replacing a 0600 file: mode %#o, want 0600", got)
	}
	// No file, or a link where the file would be: the created mode stays.
	if err := os.Chmod(temp, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(dest, filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{filepath.Join(dir, "none"), filepath.Join(dir, "link")} {
		if err := KeepMode(temp, d); err != nil {
			t.Fatal(err)
		}
		if got := mode(t, temp); got != 0o640 {
			t.Errorf("KeepMode(%s): mode %#o, want the created 0640", filepath.Base(d), got)
		}
	}
}

func TestSyncDir(t *testing.T) {
	if err := SyncDir(t.TempDir()); err != nil {
		t.Errorf("SyncDir of a folder: %v", err)
	}
	if err := SyncDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("SyncDir of a missing folder succeeded")
	}
}
