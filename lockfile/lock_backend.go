package lockfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sentrikat/sbompipe/internal/textsafe"
)

// detect picks the first backend installed: pip-compile (on PATH or as
// python -m piptools), uv, then pip.
func (l *locker) detect(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("pip-compile"); err == nil {
		return BackendPipCompile, nil
	}
	if l.probe(ctx, l.python, "-m", "piptools", "--version") {
		return BackendPipCompile, nil
	}
	if _, err := exec.LookPath("uv"); err == nil {
		return BackendUV, nil
	}
	if l.probe(ctx, l.python, "-m", "pip", "--version") {
		return BackendPip, nil
	}
	return "", fmt.Errorf("no lock backend found: "+
		"install pip-tools (pip-compile), uv, or pip for %s", l.python)
}

// installed checks that the backend asked for by name is installed, so
// that a missing one is an environment error rather than a failed resolve.
func (l *locker) installed(ctx context.Context) error {
	switch l.backend {
	case BackendPipCompile:
		if _, err := exec.LookPath("pip-compile"); err == nil {
			return nil
		}
		if l.probe(ctx, l.python, "-m", "piptools", "--version") {
			return nil
		}
		return fmt.Errorf("pip-compile is not installed (neither pip-compile on PATH nor "+
			"%s -m piptools)", l.python)
	case BackendUV:
		if _, err := exec.LookPath("uv"); err != nil {
			return errors.New("uv is not installed (no uv on PATH)")
		}
	case BackendPip:
		if !l.probe(ctx, l.python, "-m", "pip", "--version") {
			return fmt.Errorf("pip is not installed (%s -m pip does not run)", l.python)
		}
	}
	return nil
}

func (l *locker) probe(ctx context.Context, name string, args ...string) bool {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = l.env()
	return cmd.Run() == nil
}

// runBackend runs the chosen backend so that it writes the lockfile into
// tmp (relative to the output folder, where the backend runs).
func (l *locker) runBackend(ctx context.Context, tmp string) error {
	tmpRel := filepath.Base(tmp)
	switch l.backend {
	case BackendPipCompile:
		name, args := "pip-compile", []string{}
		if _, err := exec.LookPath(name); err != nil {
			name, args = l.python, []string{"-m", "piptools", "compile"}
		}
		return l.run(ctx, name, append(args, l.pipCompileArgs(tmpRel)...))
	case BackendUV:
		return l.run(ctx, "uv", l.uvArgs(tmpRel))
	case BackendPip:
		return l.lockWithPip(ctx, tmp)
	}
	return fmt.Errorf("unknown backend %q", l.backend)
}

// pipCompileArgs are pip-compile's arguments: always hashes, taken from
// the index (--no-reuse-hashes: by default pip-compile copies the old
// lockfile's hashes of unchanged pins without checking them, so a hash
// changed by hand would be locked in again), pinned setuptools and pip, no
// extras; index options, --upgrade and --upgrade-package passed through;
// index URLs kept out of the file when one carries credentials.
func (l *locker) pipCompileArgs(out string) []string {
	args := []string{"--generate-hashes", "--no-reuse-hashes", "--allow-unsafe", "--strip-extras",
		"--output-file=" + out}
	if l.indexHasCredentials() {
		args = append(args, "--no-emit-index-url")
	}
	args = append(args, l.indexArgs()...)
	args = append(args, l.upgradeArgs()...)
	return append(args, l.inRel)
}

// uvArgs are uv pip compile's: uv pins setuptools and pip without being
// asked (it warns that --allow-unsafe has no effect) and never writes index
// URLs unless told to; its header names the command given here.
func (l *locker) uvArgs(out string) []string {
	args := []string{"pip", "compile", "--generate-hashes", "--strip-extras",
		"--output-file=" + out}
	if l.opts.Command != "" {
		args = append(args, "--custom-compile-command", l.opts.Command)
	}
	args = append(args, l.indexArgs()...)
	args = append(args, l.upgradeArgs()...)
	return append(args, l.inRel)
}

func (l *locker) upgradeArgs() []string {
	var args []string
	if l.opts.Upgrade {
		args = append(args, "--upgrade")
	}
	for _, p := range l.opts.UpgradePackages {
		args = append(args, "--upgrade-package", p)
	}
	return args
}

// run runs a backend program in the output folder with its output going to
// Progress, redacted and bounded (see progressWriter). When ctx ends
// (timeout, Ctrl-C, SIGTERM) the program's whole process group gets
// SIGTERM, then SIGKILL if it has not gone after a grace period.
func (l *locker) run(ctx context.Context, name string, args []string) error {
	tail := &tailBuffer{max: 16 << 10}
	out := l.opts.Progress
	if out == nil {
		out = io.Discard
	}
	progress := newProgressWriter(out, l.red)
	w := io.MultiWriter(progress, tail)

	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = l.dir
	// Unbuffered, a Python backend's stdout and stderr (one pipe) keep
	// their order: pip's explanation of a conflict comes between errors.
	cmd.Env = append(l.env(), "CUSTOM_COMPILE_COMMAND="+l.opts.Command, "PYTHONUNBUFFERED=1")
	cmd.Stdout, cmd.Stderr = w, w
	cmd.WaitDelay = 5 * time.Second
	setProcessGroup(cmd)
	err := cmd.Run()
	killProcessGroup(cmd)
	progress.Close()

	backend := l.backend
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		be := &BackendError{
			Backend: backend,
			Err:     err,
			Output:  trimOutput(tail.String(), l.red.redact),
		}
		if line := lastConnectionFailure(tail.String()); line != "" && ctx.Err() == nil {
			be.Unreachable = true
			if line = "  " + textsafe.Control(l.red.redact(line)); !strings.Contains(be.Output, line) {
				be.Output = line + "\n" + be.Output
			}
		}
		return be
	}
	return nil
}

// connectionFailures are what pip (and pip-tools through it) print when an
// index cannot be reached: a refused or timed-out connection, a name that
// does not resolve, a TLS failure.
var connectionFailures = []string{
	"Failed to establish a new connection",
	"connection broken by",
	"Max retries exceeded with url",
	"Could not fetch URL",
	"ConnectTimeoutError",
	"NameResolutionError",
}

// lastConnectionFailure returns the last line of a backend's output that
// says an index could not be reached, or "".
func lastConnectionFailure(out string) string {
	lines := strings.Split(out, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		for _, m := range connectionFailures {
			if strings.Contains(lines[i], m) {
				return strings.TrimRight(lines[i], "\r")
			}
		}
	}
	return ""
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = t.buf[over:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := string(t.buf)
	if len(t.buf) == t.max {
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			s = s[i+1:] // drop the cut first line
		}
	}
	return s
}
