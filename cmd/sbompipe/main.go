// Command sbompipe locks, verifies and describes a release's supply chain:
// hashed Python requirements, CycloneDX and SPDX documents for Python and Go
// components, and a per-release archive served as a static /sbom page.
//
// Exit codes:
//
//	0  success
//	1  the check found problems (findings, refused writes, failed proofs)
//	2  usage, input or environment error
//
// README.md describes each command.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/sentrikat/sbompipe/internal/gcpace"
)

func main() {
	gcpace.Start()
	os.Exit(sbompipe())
}

// sbompipe runs the command line of this process and returns its exit code.
// It is main without os.Exit, so that script tests can run it in-process.
func sbompipe() int {
	// A hang-up (the terminal closed, the SSH session dropped) stops a run
	// as Ctrl-C does: a lock's backend runs in a process group of its own,
	// which the terminal's SIGHUP does not reach.
	ctx, stop := signal.NotifyContext(context.Background(),
		os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	err := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	return exitCode(err, os.Stderr)
}
