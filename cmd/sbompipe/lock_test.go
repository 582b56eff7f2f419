package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sentrikat/sbompipe/internal/pyindex"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// TestLockScripts runs the scripts of testdata/script/lock against a
// package index served on 127.0.0.1 ($INDEX_URL; $INDEX_HOST is its
// host:port) and with stand-ins for pip-compile and uv that the scripts
// carry.
func TestLockScripts(t *testing.T) {
	x := pyindex.New(t)
	x.Add(
		pyindex.Release{Name: "app", Version: "1.0", RequiresDist: []string{"lib>=1"},
			Sdist: true},
		pyindex.Release{Name: "lib", Version: "1.0"},
		pyindex.Release{Name: "lib", Version: "1.1"},
		pyindex.Release{Name: "other", Version: "2.0"},
		pyindex.Release{Name: "other", Version: "2.1"},
		pyindex.Release{Name: "alpha", Version: "1.0", RequiresDist: []string{"beta"}},
		pyindex.Release{Name: "alpha", Version: "2.0", RequiresDist: []string{"beta>=1.0"}},
		pyindex.Release{Name: "beta", Version: "0.5"},
		pyindex.Release{Name: "beta", Version: "1.0"},
	)
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script/lock",
		UpdateScripts: *updateScripts,
		Setup: func(env *testscript.Env) error {
			env.Setenv("GITHUB_ACTIONS", "")
			env.Setenv("CI", os.Getenv("CI"))
			env.Setenv("INDEX_URL", x.URL())
			env.Setenv("INDEX_HOST", x.Host())
			for _, kv := range pyindex.PipEnv(nil) {
				k, v, _ := strings.Cut(kv, "=")
				env.Setenv(k, v)
			}
			return nil
		},
		Condition: func(cond string) (bool, error) {
			if cond != "pip" {
				return false, fmt.Errorf("unknown condition %q", cond)
			}
			err := exec.Command("python3", "-m", "pip", "--version").Run()
			if err != nil && testparts.CI() {
				return false, fmt.Errorf("python3 -m pip does not run under CI=true: %v", err)
			}
			return err == nil, nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":    cmdExits,
			"waitfile": cmdWaitFile,
			"notemp":   cmdNoTemp,
			"wheel":    cmdWheel,
		},
	})
}

// cmdWaitFile waits up to 30 seconds for a file to appear:
//
//	waitfile log.started
func cmdWaitFile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile FILE")
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(ts.MkAbs(args[0])); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within 30s", args[0])
}

// cmdNoTemp checks that no temporary lockfile (.NAME.sbompipe-*) is left
// in the working folder.
func cmdNoTemp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: notemp")
	}
	left, err := filepath.Glob(ts.MkAbs(".*.sbompipe-*"))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	if len(left) > 0 {
		ts.Fatalf("temporary files left behind: %q", left)
	}
}

// cmdWheel writes a pure-Python wheel into a folder:
//
//	wheel wheels flat 0.1 'dep>=1'
func cmdWheel(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 {
		ts.Fatalf("usage: wheel DIR NAME VERSION [REQUIRES-DIST...]")
	}
	r := pyindex.Release{Name: args[1], Version: args[2], RequiresDist: args[3:]}
	name, data, err := pyindex.Wheel(r, "py3-none-any")
	ts.Check(err)
	dir := ts.MkAbs(args[0])
	ts.Check(os.MkdirAll(dir, 0o755))
	ts.Check(os.WriteFile(filepath.Join(dir, name), data, 0o644))
}

// TestStatusLine: the backend's lines print above the status line, which
// is redrawn after each and cleared at the end.
func TestStatusLine(t *testing.T) {
	var out testparts.SyncBuffer
	s := startStatus(&out, "locking requirements.in")
	fmt.Fprint(s, "Collecting idna\n")
	s.stop()
	got := out.String()
	const clear = "\r\x1b[K"
	want := clear + "locking requirements.in… 0s" + clear + "Collecting idna\n" +
		clear + "locking requirements.in… 0s"
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, clear) {
		t.Errorf("status output = %q, want it to start with %q and end with a cleared line",
			got, want)
	}
	var none *statusLine
	none.stop() // a nil status line (not a terminal, or --quiet) does nothing
}

// TestLockEnvironmentErrors: a backend asked for by name that is not
// installed exits 2 with one line saying so; a backend that fails without
// a word exits 1 with one line, no empty quote of its output after it.
func TestLockEnvironmentErrors(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	if err := os.WriteFile("requirements.in", []byte("idna\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	t.Setenv("PATH", bin)
	// A Python without pip-tools (or pip).
	python := filepath.Join(dir, "python3")
	noModule := "#!/bin/sh\necho \"$0: No module named $2\" >&2\nexit 1\n"
	if err := os.WriteFile(python, []byte(noModule), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, backend, standIn string
		code                   int
		want                   string
	}{
		{"pip-compile", "pip-compile", "", exitUsage,
			"sbompipe: lock: pip-compile is not installed " +
				"(neither pip-compile on PATH nor " + python + " -m piptools)\n"},
		{"uv", "uv", "", exitUsage, "sbompipe: lock: uv is not installed (no uv on PATH)\n"},
		{"silent failure", "uv", "#!/bin/sh\nexit 3\n", exitProblems,
			"sbompipe: lock: uv failed: exit status 3; requirements.txt is unchanged\n"},
		{"writes the lockfile itself", "uv", "#!/bin/sh\necho garbage > requirements.txt\nexit 3\n",
			exitProblems, "sbompipe: lock: uv failed: exit status 3; requirements.txt is unchanged " +
				"(the backend wrote requirements.txt itself, which did not exist before; it was removed)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(bin, "uv"))
			if tc.standIn != "" {
				err := os.WriteFile(filepath.Join(bin, "uv"), []byte(tc.standIn), 0o755)
				if err != nil {
					t.Fatal(err)
				}
			}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), []string{"sbompipe", "lock", "--backend", tc.backend,
				"--interpreter", python}, nil, &stdout, &stderr)
			if code := exitCode(err, &stderr); code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			if stderr.String() != tc.want || stdout.Len() != 0 {
				t.Errorf("stderr = %q, want %q; stdout = %q",
					stderr.String(), tc.want, stdout.String())
			}
		})
	}
}
