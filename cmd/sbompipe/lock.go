package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/sentrikat/sbompipe/internal/textsafe"
	"github.com/sentrikat/sbompipe/lockfile"
)

func lockCommand() *cli.Command {
	return &cli.Command{
		Name: "lock",
		Usage: "pin requirements.in with hashes into requirements.txt " +
			"(what make deps-lock runs)",
		ArgsUsage: " ",
		Description: "Resolves --in with pip-compile, uv or pip into a lockfile " +
			"with --hash on every\n" +
			"entry, seeded with the existing lockfile so that pins stay where they are.\n" +
			"The result is written to a temporary file beside --out, verified with the\n" +
			"strict rules of verify, and only then renamed over --out: a failed resolve,\n" +
			"a time-out, Ctrl-C or a verification error leaves --out byte-identical.\n\n" +
			"Backends: pip-compile (on PATH or python -m piptools), uv (uv pip compile),\n" +
			"pip (built in: pip's resolver plus the index's hashes of every file of each\n" +
			"pinned version). auto picks the first installed, in that order.\n\n" +
			"VCS, local-directory and editable requirements in --in are refused before\n" +
			"any backend runs: no hash can cover them.\n\n" +
			"Exit codes: 0 locked (or unchanged), 1 the backend could not resolve or the\n" +
			"result failed verification, 2 usage, input or environment error (the\n" +
			"backend named is not installed), time-out or interruption.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "in", Value: "requirements.in",
				Usage: "read requirements from `FILE`"},
			&cli.StringFlag{Name: "out", Value: "requirements.txt",
				Usage: "write the lockfile to `FILE`"},
			&cli.StringFlag{Name: "backend", Value: lockfile.BackendAuto,
				Usage: "`NAME` of the resolver: auto, pip-compile, uv or pip"},
			&cli.StringFlag{Name: "index-url", Usage: "package index `URL` (PEP 503/691)"},
			&cli.StringSliceFlag{Name: "extra-index-url",
				Usage: "another package index `URL` (repeatable)"},
			&cli.StringSliceFlag{Name: "find-links",
				Usage: "folder or page of distribution files, `PATH or URL` (repeatable)"},
			&cli.BoolFlag{Name: "no-index",
				Usage: "ask no package index, only --find-links " +
					"(the pip backend writes it into the lockfile)"},
			&cli.BoolFlag{Name: "upgrade", Aliases: []string{"U"}, Usage: "re-resolve every pin"},
			&cli.StringSliceFlag{Name: "upgrade-package", Aliases: []string{"P"},
				Usage: "re-resolve only `NAME` (or NAME<5), keeping every other pin (repeatable)"},
			&cli.DurationFlag{Name: "timeout", Value: lockfile.DefaultLockTimeout,
				Usage: "stop the backend after `DURATION`"},
			&cli.StringFlag{Name: "interpreter",
				Usage: "run pip and piptools with the Python interpreter `PATH` " +
					"(default python3)"},
			&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"},
				Usage: "print nothing but errors"},
		},
		Action: runLock,
	}
}

func runLock(c *cli.Context) error {
	if c.Args().Present() {
		return usageError(fmt.Errorf("lock takes no arguments (use --in and --out)"))
	}
	stderr := c.App.ErrWriter
	opts := lockfile.LockOptions{
		In:              c.String("in"),
		Out:             c.String("out"),
		Backend:         c.String("backend"),
		IndexURL:        c.String("index-url"),
		ExtraIndexURLs:  c.StringSlice("extra-index-url"),
		FindLinks:       c.StringSlice("find-links"),
		NoIndex:         c.Bool("no-index"),
		Upgrade:         c.Bool("upgrade"),
		UpgradePackages: c.StringSlice("upgrade-package"),
		Timeout:         c.Duration("timeout"),
		Python:          c.String("interpreter"),
		Command:         lockCommandLine(c),
	}
	var status *statusLine
	if !c.Bool("quiet") {
		opts.Progress = stderr
		if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			status = startStatus(f, "locking "+opts.In)
			opts.Progress = status
		}
	}

	res, err := lockfile.Lock(c.Context, opts)
	status.stop()
	if err != nil {
		return lockError(err, opts)
	}
	if !c.Bool("quiet") {
		if res.Changed {
			fmt.Fprintf(stderr, "sbompipe: locked %s into %s with %s\n",
				textsafe.Control(opts.In), textsafe.Control(opts.Out), res.Backend)
		} else {
			fmt.Fprintf(stderr, "sbompipe: %s is up to date (%s)\n",
				textsafe.Control(opts.Out), res.Backend)
		}
	}
	return nil
}

// lockError gives a lock failure its message and exit code: 1 when the
// backend ran and could not resolve or its result failed verification, 2
// for a time-out, an interruption, a package index the backend could not
// reach, or a usage, input or environment error.
func lockError(err error, opts lockfile.LockOptions) error {
	var be *lockfile.BackendError
	var re *lockfile.ResultError
	var exit *exec.ExitError
	var pb *lockfile.PutBackError
	unchanged := opts.Out + " is unchanged"
	if errors.As(err, &pb) {
		unchanged += " (" + pb.What + ")"
		if pb.Failed {
			unchanged = pb.What
		}
	}
	switch {
	case errors.As(err, &be):
		reason := be.Reason()
		if errors.Is(err, context.DeadlineExceeded) {
			reason += " after " + opts.Timeout.String()
		}
		if be.Unreachable {
			reason = "could not reach the package index"
		}
		msg := fmt.Errorf("lock: %s %s; %s", be.Backend, reason, unchanged)
		if be.Output != "" {
			msg = fmt.Errorf("%w\n%s", msg, be.Output)
		}
		if errors.As(err, &exit) && !be.Unreachable {
			return &exitError{code: exitProblems, err: msg}
		}
		return usageError(msg)
	case errors.As(err, &re):
		return problemf("lock: %v; %s", err, unchanged)
	case pb != nil:
		return usageError(fmt.Errorf("lock: %w; %s", err, unchanged))
	}
	return usageError(fmt.Errorf("lock: %w", err))
}

// lockCommandLine is the command the lockfile's header names: the flags
// that shape its content, credentials removed. One-off flags (--upgrade,
// --timeout, --quiet, …) are left out, as pip-compile does.
func lockCommandLine(c *cli.Context) string {
	parts := []string{"sbompipe", "lock"}
	for _, name := range []string{"in", "out", "backend", "index-url"} {
		if c.IsSet(name) {
			parts = append(parts, "--"+name+"="+c.String(name))
		}
	}
	for _, name := range []string{"extra-index-url", "find-links"} {
		for _, v := range c.StringSlice(name) {
			parts = append(parts, "--"+name+"="+v)
		}
	}
	if c.Bool("no-index") {
		parts = append(parts, "--no-index")
	}
	return strings.Join(parts, " ") // Lock removes credentials
}

// statusLine keeps a one-line status with the elapsed time at the bottom
// of a terminal while the backend's own output scrolls above it.
type statusLine struct {
	mu    sync.Mutex
	w     io.Writer
	label string
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup
}

func startStatus(w io.Writer, label string) *statusLine {
	s := &statusLine{w: w, label: label, start: time.Now(), done: make(chan struct{})}
	s.draw()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-s.done:
				return
			case <-tick.C:
				s.mu.Lock()
				s.draw()
				s.mu.Unlock()
			}
		}
	}()
	return s
}

func (s *statusLine) draw() {
	fmt.Fprintf(s.w, "\r\x1b[K%s… %s", s.label, time.Since(s.start).Round(time.Second))
}

// Write prints backend output above the status line.
func (s *statusLine) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprint(s.w, "\r\x1b[K")
	n, err := s.w.Write(p)
	if len(p) > 0 && p[len(p)-1] == '\n' {
		s.draw()
	}
	return n, err
}

// stop clears the line; a nil statusLine does nothing.
func (s *statusLine) stop() {
	if s == nil {
		return
	}
	close(s.done)
	s.wg.Wait()
	fmt.Fprint(s.w, "\r\x1b[K")
}
