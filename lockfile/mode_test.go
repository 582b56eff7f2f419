//go:build unix

package lockfile

import (
	"context"
	"os"
	"syscall"
	"testing"
)

// The new lockfile keeps the old one's permissions; a first lockfile gets
// those of any new file under the umask.
func TestLockModes(t *testing.T) {
	r := withStandIn(t, "pip-compile", "succeed")
	if err := os.Chmod(r.opts.Out, 0o640); err != nil {
		t.Fatal(err)
	}
	old := syscall.Umask(0o077)
	t.Cleanup(func() { syscall.Umask(old) })
	check := func(want os.FileMode) {
		t.Helper()
		if _, err := Lock(context.Background(), r.opts); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(r.opts.Out)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("mode %#o, want %#o", got, want)
		}
		assertNoTemp(t, r.dir)
	}
	check(0o640)
	if err := os.Remove(r.opts.Out); err != nil {
		t.Fatal(err)
	}
	check(0o600)
}
