//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A closed terminal or a dropped SSH session (SIGHUP) during `make
// deps-lock` stops lock as Ctrl-C does: the backend's process group is
// stopped, the lockfile is unchanged and no temporary file is left.
func TestLockHangUp(t *testing.T) {
	sbompipe := buildBinary(t)
	dir := t.TempDir()
	bin := t.TempDir()
	standIn := "#!/bin/sh\necho $$ > \"$STANDIN_PID\"\nsleep 300\n"
	if err := os.WriteFile(filepath.Join(bin, "pip-compile"), []byte(standIn), 0o755); err != nil {
		t.Fatal(err)
	}
	old := "idna==3.6 \\\n    --hash=sha256:" + strings.Repeat("a", 64) + "\n"
	writeFiles(t, dir, map[string]string{"requirements.in": "idna\n", "requirements.txt": old})
	pidFile := filepath.Join(t.TempDir(), "pid")
	cmd := exec.Command(sbompipe, "lock", "--backend", "pip-compile")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "STANDIN_PID="+pidFile)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	for deadline := time.Now().Add(30 * time.Second); pid == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the stand-in did not start")
		}
		data, _ := os.ReadFile(pidFile)
		pid, _ = strconv.Atoi(strings.TrimSpace(string(data)))
	}
	cmd.Process.Signal(syscall.SIGHUP)
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
		t.Errorf("lock after SIGHUP: %v, want exit %d\n%s", err, exitUsage, stderr.String())
	}
	if !strings.Contains(stderr.String(), "requirements.txt is unchanged") {
		t.Errorf("stderr = %q, want the lockfile named unchanged", stderr.String())
	}
	if data, err := os.ReadFile(filepath.Join(dir, "requirements.txt")); err != nil || string(data) != old {
		t.Errorf("requirements.txt = %q, %v; want it unchanged", data, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.sbompipe-*")); len(left) > 0 {
		t.Errorf("temporary files left: %q", left)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		syscall.Kill(pid, syscall.SIGKILL)
		t.Errorf("the backend (pid %d) outlived lock: kill 0 = %v", pid, err)
	}
}
