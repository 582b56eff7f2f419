package archive

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// WriteFile never puts a regular file where a device, a pipe, a link or a
// folder was: `fetch -o /dev/null` run as root once replaced the machine's
// /dev/null with a regular file.
func TestWriteFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	data := []byte("document\n")

	// A named pipe is written to in place.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if err := WriteFile(fifo, data); err != nil {
		t.Fatalf("WriteFile(fifo): %v", err)
	}
	select {
	case b := <-got:
		if string(b) != string(data) {
			t.Errorf("the pipe's reader got %q, want %q", b, data)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the pipe's reader got nothing")
	}
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("after WriteFile the pipe is %v, %v", fi.Mode(), err)
	}

	// A character device too: a null device of our own, so that a failure
	// cannot take the machine's /dev/null.
	null := filepath.Join(dir, "null")
	err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3)
	switch {
	case errors.Is(err, syscall.EPERM):
		t.Log("no character device: mknod needs CAP_MKNOD (root)")
	case err != nil:
		t.Fatal(err)
	default:
		if err := WriteFile(null, data); err != nil {
			t.Fatalf("WriteFile(null device): %v", err)
		}
		if fi, err := os.Lstat(null); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
			t.Errorf("after WriteFile the device is %v, %v", fi.Mode(), err)
		}
	}

	// A symbolic link, a folder: refused, and left as they were.
	target := filepath.Join(dir, "target")
	if err := os.WriteFile(target, []byte("kept\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(dir, "folder")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{link, folder} {
		err := WriteFile(path, data)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Errorf("WriteFile(%s) = %v, want a refusal", filepath.Base(path), err)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is now %v, %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(target); string(b) != "kept\n" {
		t.Errorf("the link's target holds %q", b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// A written file keeps the permissions of the one it replaces; a new one
// gets those of any new file under the umask.
func TestWriteFileModes(t *testing.T) {
	old := syscall.Umask(0o027)
	t.Cleanup(func() { syscall.Umask(old) })
	dir := t.TempDir()
	fresh, kept := filepath.Join(dir, "fresh.json"), filepath.Join(dir, "kept.json")
	if err := os.WriteFile(kept, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{fresh, kept} {
		if err := WriteFile(path, []byte("new")); err != nil {
			t.Fatal(err)
		}
	}
	for path, want := range map[string]os.FileMode{fresh: 0o640, kept: 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %#o, want %#o", filepath.Base(path), got, want)
		}
	}
}
