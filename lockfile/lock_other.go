//go:build !unix

package lockfile

import "os/exec"

func setProcessGroup(*exec.Cmd)  {}
func killProcessGroup(*exec.Cmd) {}
