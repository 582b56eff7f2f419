//go:build unix

package lockfile

import (
	"os/exec"
	"syscall"
)

// setProcessGroup puts the backend in a process group of its own, so that a
// Ctrl-C on the terminal reaches sbompipe only, and sbompipe's SIGTERM
// reaches the backend and everything it started (pip's build subprocesses).
func setProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
	}
}

// killProcessGroup kills whatever the backend left running.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // ESRCH when all have gone
	}
}
