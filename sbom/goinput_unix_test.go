//go:build unix

package sbom

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A go.mod, go.sum or go.work that is a named pipe or a device is refused
// at once, naming it: read, a pipe waits for a writer for ever and
// /dev/zero never ends. So is a local replacement's go.mod, which the go
// command would wait on.
func TestGoInputsNotRegular(t *testing.T) {
	fifo := func(name string) func(dir string) {
		return func(dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	zero := func(name string) func(dir string) {
		return func(dir string) {
			if err := os.Symlink("/dev/zero", filepath.Join(dir, name)); err != nil {
				t.Fatal(err)
			}
		}
	}
	goMod := map[string]string{"go.mod": "module example.com/m\n\ngo 1.22\n"}
	dirPipe := func(dir string) {
		if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
			t.Fatal(err)
		}
		fifo("d/go.mod")(dir)
	}
	for _, tc := range []struct {
		name    string
		files   map[string]string
		plant   func(dir string)
		offline bool
		want    string
		env     []string
	}{
		{"go.mod a pipe", nil, fifo("go.mod"), true, "go.mod is not a regular file", nil},
		{"go.mod /dev/zero", nil, zero("go.mod"), false, "go.mod is not a regular file", nil},
		{"go.sum a pipe", goMod, fifo("go.sum"), true, "go.sum is not a regular file", nil},
		{"go.work a pipe", goMod, fifo("go.work"), true, "go.work is not a regular file", nil},
		{"go.work.sum /dev/zero", map[string]string{"go.mod": goMod["go.mod"],
			"go.work": "go 1.22\n\nuse .\n"}, zero("go.work.sum"), true,
			"go.work.sum is not a regular file", nil},
		{"a replacement's go.mod a pipe", map[string]string{
			"m/go.mod": "module example.com/m\n\ngo 1.22\n\nrequire example.com/f v1.0.0\n\n" +
				"replace example.com/f => ../d\n"}, func(dir string) {
			if err := os.Mkdir(filepath.Join(dir, "d"), 0o755); err != nil {
				t.Fatal(err)
			}
			fifo("d/go.mod")(dir)
		}, false, "the go.mod of the replacement of example.com/f, is not a regular file", nil},
		{"a go.work replacement's go.mod a pipe", map[string]string{
			"m/go.work":  "go 1.22\n\nuse ./a\n\nreplace example.com/f => ../d\n",
			"m/a/go.mod": "module example.com/a\n\ngo 1.22\n\nrequire example.com/f v1.0.0\n"},
			dirPipe, false, "the go.mod of the replacement of example.com/f, is not a regular file", nil},
		{"a workspace module's replacement a pipe", map[string]string{
			"m/go.work": "go 1.22\n\nuse ./a\n",
			"m/a/go.mod": "module example.com/a\n\ngo 1.22\n\nrequire example.com/f v1.0.0\n\n" +
				"replace example.com/f => ../../d\n"},
			dirPipe, false, "the go.mod of the replacement of example.com/f, is not a regular file", nil},
		{"GOFLAGS -modfile a pipe", map[string]string{"m/go.mod": goMod["go.mod"]},
			fifo("m/alt.mod"), false, "alt.mod is not a regular file",
			[]string{"GOFLAGS=-modfile=alt.mod"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFiles(t, dir, tc.files)
			tc.plant(dir)
			mod := dir
			if _, err := os.Stat(filepath.Join(dir, "m")); err == nil {
				mod = filepath.Join(dir, "m")
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var env []string
			if tc.env != nil {
				env = append(os.Environ(), tc.env...)
			}
			b, err := Collect(ctx, Inputs{Subject: Subject{Name: "x"}, GoModules: []string{mod},
				Offline: tc.offline, Env: env})
			if ctx.Err() != nil {
				t.Fatal("Collect waited on the file until the time-out")
			}
			got := ""
			if err != nil {
				got = err.Error()
			} else {
				got = strings.Join(b.Warnings, "\n")
			}
			if !strings.Contains(got, tc.want) {
				t.Errorf("Collect: %v, warnings %q; want %q", err, got, tc.want)
			}
		})
	}
}
