package sbom

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// readRegularFile reads regular files only, whole, up to its limit.
func TestReadRegularFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := strings.Repeat("0123456789abcdef", 4096) // 64 KiB: several reads
	for _, c := range []struct {
		name, data string
		limit      int64
		ok         bool
	}{
		{"empty", "", 10, true},
		{"small", "module example.com/m\n", 100, true},
		{"at-limit", "0123456789", 10, true},
		{"over-limit", "0123456789x", 10, false},
		{"large", big, int64(len(big)), true},
		{"large-over", big, int64(len(big)) - 1, false},
	} {
		p := write(c.name, c.data)
		got, ok := readRegularFile(p, c.limit)
		if ok != c.ok || ok && string(got) != c.data {
			t.Errorf("%s: got %d bytes, %v; want %v", c.name, len(got), ok, c.ok)
		}
	}

	target := write("target", "data")
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	if _, ok := readRegularFile(link, 100); ok {
		t.Error("a symbolic link was read")
	}
	if _, ok := readRegularFile(dir, 1<<20); ok {
		t.Error("a folder was read")
	}
	if _, ok := readRegularFile(filepath.Join(dir, "missing"), 100); ok {
		t.Error("a missing file was read")
	}
	if runtime.GOOS == "windows" {
		return
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	go func() {
		_, ok := readRegularFile(fifo, 100)
		done <- ok
	}()
	select {
	case ok := <-done:
		if ok {
			t.Error("a FIFO was read")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a FIFO waits for a writer")
	}
	if _, ok := readRegularFile("/dev/null", 100); ok {
		t.Error("a device was read")
	}
}
