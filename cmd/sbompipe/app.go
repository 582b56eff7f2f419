package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/sentrikat/sbompipe/internal/textsafe"
)

// The exit codes of every command.
const (
	exitOK       = 0
	exitProblems = 1 // the check ran and found problems
	exitUsage    = 2 // usage, input or environment error
)

// exitError carries an exit code for an error. A nil-message exitError means
// the command has already reported what went wrong.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return ""
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// ExitCode returns the process exit code.
func (e *exitError) ExitCode() int { return e.code }

// errProblems is returned by a command that found and reported problems.
var errProblems = &exitError{code: exitProblems}

// problemf returns an error that exits 1 with the formatted message.
func problemf(format string, args ...any) error {
	return &exitError{code: exitProblems, err: fmt.Errorf(format, args...)}
}

// usageError wraps err so that it exits 2.
func usageError(err error) error {
	return &exitError{code: exitUsage, err: err}
}

// exitCode writes err to stderr unless its command already reported it, and
// returns the exit code it stands for. Errors that carry no code are usage,
// input or environment errors.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return exitOK
	}
	code := exitUsage
	var coder interface{ ExitCode() int }
	if errors.As(err, &coder) {
		code = coder.ExitCode()
	}
	if msg := err.Error(); msg != "" {
		// Messages quote inputs: their control characters are escaped.
		fmt.Fprintf(stderr, "sbompipe: %s\n", textsafe.Lines(msg))
	}
	return code
}

// run builds the command line application and runs it with args (args[0] is
// the program name). It never exits the process.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	app := newApp(stdin, stdout, stderr)
	return app.RunContext(ctx, args)
}

func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:  "sbompipe",
		Usage: "lock, verify, describe and publish a release's supply chain",
		Description: "sbompipe turns requirements.in into a hashed requirements.txt, " +
			"checks it with\n" +
			"pip's hash-checking rules, writes CycloneDX and SPDX documents for the Python\n" +
			"and Go components of a release, and keeps them in an immutable per-release\n" +
			"archive with an index for the website's /sbom page.\n\n" +
			"Exit codes: 0 success, 1 problems found, 2 usage, input or environment error.\n" +
			"Every flag can also be set with SBOMPIPE_<FLAG> or in .sbompipe.yaml.",
		HideVersion: true,
		Reader:      stdin,
		Writer:      stdout,
		ErrWriter:   stderr,
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "version", Aliases: []string{"V"},
				Usage: "print the version and exit"},
			&cli.StringFlag{
				Name:    "config",
				Usage:   "read flag defaults from `FILE` (default .sbompipe.yaml, if present)",
				EnvVars: []string{"SBOMPIPE_CONFIG"},
			},
		},
		Commands:       commands(),
		ExitErrHandler: func(*cli.Context, error) {},
		OnUsageError: func(_ *cli.Context, err error, _ bool) error {
			return usageError(err)
		},
		CommandNotFound: func(c *cli.Context, name string) {
			fmt.Fprintf(c.App.ErrWriter, "sbompipe: unknown command %q; see sbompipe --help\n",
				name)
		},
		Action: func(c *cli.Context) error {
			if c.Bool("version") {
				fmt.Fprintln(c.App.Writer, versionString())
				return nil
			}
			if c.Args().Present() {
				return usageError(fmt.Errorf("unknown command %q; see sbompipe --help",
					c.Args().First()))
			}
			return cli.ShowAppHelp(c)
		},
	}
	wireFlagSources(app)
	return app
}

// commands lists the subcommands, one per section of the design.
func commands() []*cli.Command {
	return []*cli.Command{
		lockCommand(),
		verifyCommand(),
		sbomCommand(),
		archiveCommand(),
		fetchCommand(),
		serveCommand(),
		releaseCommand(),
	}
}

// version and commit are set at link time:
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.commit=abc"
var (
	version = ""
	commit  = ""
)

// toolVersion is the version sbompipe reports in documents and --version: the
// link-time version, else the module version from the build info.
func toolVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func versionString() string {
	rev, goVersion := commit, "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && rev == "" {
				rev = s.Value
			}
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sbompipe %s\ncommit: %s\ngo: %s", toolVersion(), rev, goVersion)
	return b.String()
}
