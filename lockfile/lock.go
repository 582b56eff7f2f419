package lockfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sentrikat/sbompipe/internal/newfile"
	"github.com/sentrikat/sbompipe/internal/textsafe"
)

// The lock backends.
const (
	BackendAuto       = "auto"
	BackendPipCompile = "pip-compile"
	BackendUV         = "uv"
	BackendPip        = "pip"
)

// DefaultLockTimeout bounds a backend run when LockOptions.Timeout is 0.
const DefaultLockTimeout = 10 * time.Minute

// LockOptions say what Lock reads and writes and how. The zero value locks
// requirements.in into requirements.txt with the first backend installed.
type LockOptions struct {
	// In is the input ("requirements.in" when empty); Out the lockfile
	// ("requirements.txt" when empty). An existing Out seeds the run.
	In, Out string

	// Backend is BackendAuto (also ""), BackendPipCompile, BackendUV or
	// BackendPip.
	Backend string

	// IndexURL, ExtraIndexURLs and FindLinks are passed to the backend
	// (--index-url, --extra-index-url, --find-links). URLs may carry
	// credentials; they are never written into the lockfile.
	IndexURL       string
	ExtraIndexURLs []string
	FindLinks      []string

	// NoIndex asks no package index, only FindLinks (--no-index).
	NoIndex bool

	// Upgrade re-resolves everything; UpgradePackages only these
	// ("django" or "django<5"), keeping every other pin.
	Upgrade         bool
	UpgradePackages []string

	// Timeout bounds the whole run; 0 means DefaultLockTimeout.
	Timeout time.Duration

	// Python is the interpreter for pip and "python -m piptools"; ""
	// means python3, else python, on PATH.
	Python string

	// Command is the command line the lockfile's header names. It must
	// not carry credentials.
	Command string

	// Progress receives the backend's output (stdout and stderr) line by
	// line, with credentials removed (those of the run's index URLs
	// wherever they appear), control characters escaped, lines longer
	// than 4 KiB left out, and nothing past 4 MiB; nil discards it.
	// Errors still quote the end of it, redacted the same way.
	Progress io.Writer

	// Env is the backends' environment; nil means os.Environ().
	Env []string

	// HTTPClient fetches index pages and files for the pip backend; nil
	// means Sources' default.
	HTTPClient *http.Client

	// Verify checks the new lockfile at path before it replaces Out; nil
	// means the strict rules of Verify.
	Verify func(path string) error
}

// LockResult says what Lock did.
type LockResult struct {
	// Backend is the backend that ran.
	Backend string
	// Changed is false when the new lockfile has the old one's bytes.
	Changed bool
}

// BackendError is a backend that exited non-zero, timed out or was
// interrupted. Output holds the end of what it printed.
type BackendError struct {
	Backend string
	Err     error // *exec.ExitError, context.DeadlineExceeded or context.Canceled
	Output  string
	// Unreachable: the backend said it could not connect to a package
	// index (pip then goes on to find no version, and says only that).
	Unreachable bool
}

// Error names the backend and the reason, then gives the end of its
// output.
func (e *BackendError) Error() string {
	msg := e.Backend + ": " + e.Reason()
	if e.Output != "" {
		msg += "\n" + e.Output
	}
	return msg
}

// Reason says in a few words why the backend failed: "timed out",
// "interrupted" or its exit status.
func (e *BackendError) Reason() string {
	switch {
	case errors.Is(e.Err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(e.Err, context.Canceled):
		return "interrupted"
	}
	return "failed: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *BackendError) Unwrap() error { return e.Err }

// ResultError is a lockfile the backend wrote that failed verification; the
// old lockfile was kept.
type ResultError struct {
	Err error
}

// Error says that the new lockfile was discarded, and why.
func (e *ResultError) Error() string {
	return "the new lockfile failed verification and was discarded: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *ResultError) Unwrap() error { return e.Err }

// Lock resolves opts.In with a backend into a hashed lockfile and replaces
// opts.Out with it. The backend writes a temporary file beside Out, seeded
// with Out's pins; only when it succeeds and the result passes Verify is it
// renamed over Out. On any error, a timeout or a cancelled ctx, Out keeps
// its bytes and the temporary file is removed.
func Lock(ctx context.Context, opts LockOptions) (res *LockResult, err error) {
	l, err := newLocker(opts)
	if err != nil {
		return nil, err
	}
	defer func() { err = l.red.redactError(err) }()
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultLockTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if l.backend == BackendAuto {
		l.backend, err = l.detect(ctx)
	} else {
		err = l.installed(ctx)
	}
	if err != nil && ctx.Err() != nil {
		// The time-out or an interrupt ended the check, not a missing
		// backend.
		name := string(l.backend)
		if name == "" {
			name = "finding a lock backend"
		}
		return nil, &BackendError{Backend: name, Err: ctx.Err()}
	}
	if err != nil {
		return nil, err
	}
	if err := refuseProblems(l.input, l.backend); err != nil {
		return nil, err
	}
	if err := refuseHashedConstraints(l.input, l.backend); err != nil {
		return nil, err
	}

	old, err := readRegular(nil, l.out)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading %s: %w", opts.Out, err)
	}
	was := lockfileState{data: old}
	if err == nil {
		if fi, serr := os.Stat(l.out); serr == nil {
			was.exists, was.mode = true, fi.Mode().Perm()
		}
	}
	if l.seed, err = l.readSeed(old); err != nil {
		return nil, err
	}

	tmpFile, err := newfile.CreateTemp(l.dir, "."+filepath.Base(l.out)+".sbompipe-*")
	if err != nil {
		return nil, fmt.Errorf("creating the temporary lockfile: %w", err)
	}
	tmp := tmpFile.Name()
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = tmpFile.Write(old)
	if cerr := tmpFile.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", tmp, err)
	}

	// A backend that writes Out itself (not the file it was given) must
	// not leave it changed by a run that fails.
	defer func() {
		if err != nil {
			err = l.putBack(was, err)
		}
	}()
	if err = l.runBackend(ctx, tmp); err != nil {
		var be *BackendError
		if ctx.Err() != nil && !errors.As(err, &be) { // stopped while hashing
			err = &BackendError{Backend: l.backend, Err: ctx.Err()}
		}
		return nil, err
	}
	if err = ctx.Err(); err != nil { // a backend that ignored the signal and exited 0
		return nil, &BackendError{Backend: l.backend, Err: err}
	}
	// What the backend left is read only if it is a regular file: a link
	// would have its target read, quoted in errors and changed in mode.
	if fi, lerr := os.Lstat(tmp); lerr != nil {
		return nil, fmt.Errorf("reading the new lockfile: %w", lerr)
	} else if !fi.Mode().IsRegular() {
		what := "something other than a regular file"
		if fi.Mode()&fs.ModeSymlink != 0 {
			what = "a symbolic link"
		}
		return nil, fmt.Errorf("replacing %s: the backend left %s as its output", opts.Out, what)
	}
	fresh, err := readRegular(nil, tmp)
	if err != nil {
		return nil, err
	}
	if l.red.holdsSecret(fresh) {
		return nil, &ResultError{Err: errors.New("it holds a credential of the run's " +
			"package indexes (not shown), which a lockfile must not")}
	}
	if err = l.check(ctx, tmp); err != nil {
		return nil, err
	}
	// The lockfile's mode is the one it had before the run, whatever the
	// backend did to it meanwhile; a new one keeps the temporary file's.
	if err = replace(tmp, l.out, was); err != nil {
		return nil, err
	}
	return &LockResult{Backend: l.backend, Changed: !bytes.Equal(old, fresh)}, nil
}

// lockfileState is the lockfile as it was before the backend ran.
type lockfileState struct {
	exists bool
	data   []byte
	mode   fs.FileMode
}

// putBack puts the lockfile back as it was when a failed run (err) finds
// it changed: a backend wrote to it, not to its output file. The error
// then says so; if the lockfile cannot be put back, it says where its old
// bytes were saved.
func (l *locker) putBack(was lockfileState, err error) error {
	now, rerr := os.ReadFile(l.out)
	switch {
	case !was.exists && errors.Is(rerr, fs.ErrNotExist):
		return err
	case was.exists && rerr == nil && bytes.Equal(now, was.data):
		if fi, serr := os.Lstat(l.out); serr == nil && fi.Mode().IsRegular() &&
			fi.Mode().Perm() == was.mode {
			return err
		}
	}
	what := fmt.Sprintf("the backend wrote %s itself", l.opts.Out)
	if !was.exists {
		if rmErr := os.Remove(l.out); rmErr != nil && !errors.Is(rmErr, fs.ErrNotExist) {
			return &PutBackError{Err: err, Failed: true, What: fmt.Sprintf(
				"%s, which did not exist before, and it could not be removed: %v", what, rmErr)}
		}
		return &PutBackError{Err: err, What: what + ", which did not exist before; it was removed"}
	}
	f, terr := newfile.CreateTemp(l.dir, "."+filepath.Base(l.out)+".sbompipe-old-*")
	if terr != nil {
		return &PutBackError{Err: err, Failed: true, What: fmt.Sprintf(
			"%s, and its old bytes could not be saved: %v", what, terr)}
	}
	_, terr = f.Write(was.data)
	terr = errors.Join(terr, f.Chmod(was.mode), f.Sync(), f.Close())
	if terr == nil {
		terr = os.Rename(f.Name(), l.out)
	}
	if terr != nil {
		return &PutBackError{Err: err, Failed: true, What: fmt.Sprintf(
			"%s, and it could not be put back (%v); its old bytes are in %s", what, terr, f.Name())}
	}
	_ = newfile.SyncDir(l.dir) // best effort: not every file system syncs folders
	return &PutBackError{Err: err, What: what + "; its old bytes were put back"}
}

// PutBackError is a failed lock whose backend wrote the lockfile itself:
// the lockfile was put back as it was, or (Failed) could not be.
type PutBackError struct {
	Err    error
	What   string // what was put back, or why not and where the old bytes are
	Failed bool
}

// Error gives the failure; What is for the caller to add where it says
// that the lockfile is unchanged.
func (e *PutBackError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *PutBackError) Unwrap() error { return e.Err }

// locker is one run of Lock.
type locker struct {
	opts    LockOptions
	backend string
	out     string // absolute
	dir     string // Out's folder, where backends run
	inRel   string // In relative to dir, as the lockfile names it
	python  string
	seed    []Pin     // the old lockfile's pins
	red     *redactor // removes the credentials of the run's indexes
	input   *File     // In, parsed
}

func newLocker(opts LockOptions) (*locker, error) {
	if opts.In == "" {
		opts.In = "requirements.in"
	}
	if opts.Out == "" {
		opts.Out = "requirements.txt"
	}
	l := &locker{opts: opts, backend: opts.Backend}
	switch l.backend {
	case "":
		l.backend = BackendAuto
	case BackendAuto, BackendPipCompile, BackendUV, BackendPip:
	default:
		return nil, fmt.Errorf("unknown backend %q (want auto, pip-compile, uv or pip)",
			opts.Backend)
	}
	out, err := filepath.Abs(opts.Out)
	if err != nil {
		return nil, err
	}
	in, err := filepath.Abs(opts.In)
	if err != nil {
		return nil, err
	}
	if in == out {
		return nil, fmt.Errorf("%s is both input and output", opts.In)
	}
	// The new lockfile is renamed over Out: over a symbolic link that
	// would put a file where the link was and leave its target stale.
	if fi, err := os.Lstat(out); err == nil && fi.Mode()&os.ModeSymlink != 0 {
		target, _ := filepath.EvalSymlinks(out)
		return nil, fmt.Errorf("%s is a symbolic link (to %s); name the lockfile itself",
			opts.Out, target)
	}
	if fi, err := os.Stat(in); err != nil {
		return nil, fmt.Errorf("reading %s: %w", opts.In, err)
	} else if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("reading %s: not a regular file", opts.In)
	}
	l.out, l.dir = out, filepath.Dir(out)
	if l.inRel, err = filepath.Rel(l.dir, in); err != nil {
		l.inRel = in
	}
	// The backend runs in Out's folder: a relative --find-links folder,
	// given relative to the working folder, is made relative to that one.
	l.opts.FindLinks = nil
	for _, loc := range opts.FindLinks {
		l.opts.FindLinks = append(l.opts.FindLinks, l.relocate(loc))
	}
	f, err := Parse(opts.In, ParseOptions{})
	if err != nil {
		return nil, err
	}
	l.input = f
	if err := refuseUnhashable(f); err != nil {
		return nil, err
	}
	l.inputOptions(f)
	l.red = newRedactor(l.indexURLs()...)
	l.opts.Command = l.red.redact(opts.Command)
	l.python = opts.Python
	if l.python == "" {
		l.python = "python3"
		if _, err := exec.LookPath(l.python); err != nil {
			l.python = "python"
		}
	}
	return l, nil
}

// refuseProblems returns an error naming every line of the input (its
// included files too) that the backend would refuse or drop: for pip and
// pip-compile, which read it as pip does, a line that is not a requirement
// or an option; for every backend, an include that is missing or not a
// regular file. The backend would stop at the first of them, resolve
// without the dropped ones, or hang on an include that is a named pipe.
// uv reads the rest by rules of its own, and says what it refuses.
func refuseProblems(f *File, backend string) error {
	var lines []string
	for _, p := range f.Problems {
		if p.Severity == SeverityError && (backend != BackendUV || p.Rule == RuleIncludeMissing) {
			lines = append(lines, display(fmt.Sprintf("%s:%d: %s", p.File, p.Line, Redact(p.Message))))
		}
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s would refuse or drop these lines, so it was not run:\n%s",
		f.Path, backend, strings.Join(lines, "\n"))
}

// refuseHashedConstraints returns an error for the pip backend when a
// constraint file of the input has --hash options: pip then checks hashes
// for the whole resolution and refuses every requirement of the input
// that is not pinned, which is what an input is for. pip-compile and uv
// take such a constraint file (a layered dev.in with -c prod.txt).
func refuseHashedConstraints(f *File, backend string) error {
	if backend != BackendPip {
		return nil
	}
	for _, c := range f.Constraints {
		if len(c.Hashes) > 0 {
			return fmt.Errorf("%s:%d: this constraint has --hash options, which turn on "+
				"pip's hash-checking mode for the whole resolution of %s: the pip backend "+
				"cannot lock it (pip-compile and uv can), or give a constraint file "+
				"without hashes", display(c.File), c.Line, display(f.Path))
		}
	}
	return nil
}

// refuseUnhashable returns an error naming every VCS, local-directory and
// editable entry of the input (its constraint files included): no hash can
// cover them, so no backend can lock them into a file that passes verify,
// and a backend would clone or build them first.
func refuseUnhashable(f *File) error {
	var lines []string
	for _, r := range append(append([]*Requirement{}, f.Requirements...), f.Constraints...) {
		var what string
		switch r.Kind {
		case VCS:
			what = "is a VCS requirement"
		case LocalDir:
			what = "is a local directory"
		case Editable:
			what = "is editable"
		default:
			continue
		}
		where := clip(Redact(r.WrittenURL))
		switch {
		case r.Kind == Editable:
			where = "-e " + where
		case r.Name != "":
			where = r.Name + " (" + where + ")"
		}
		lines = append(lines, display(fmt.Sprintf("%s:%d: %s %s", r.File, r.Line, where, what)))
	}
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("%s: no hash can cover these requirements, so no backend was run "+
		"(require packages from an index or built archives; install these in a separate "+
		"step):\n%s", f.Path, strings.Join(lines, "\n"))
}

// inputOptions adds the index options that the input file sets (pip obeys
// them while it resolves) to those of the command line, so that files are
// hashed from the places pip resolved them from: --index-url where the
// command line gives none, every --extra-index-url and --find-links (a
// relative folder is taken from the input file's folder, as pip does when
// it exists there), and --no-index.
func (l *locker) inputOptions(f *File) {
	for _, o := range f.Options {
		switch o.Name {
		case "index-url":
			if l.opts.IndexURL == "" {
				l.opts.IndexURL = o.Value
			}
		case "extra-index-url":
			if !slices.Contains(l.opts.ExtraIndexURLs, o.Value) {
				l.opts.ExtraIndexURLs = append(l.opts.ExtraIndexURLs, o.Value)
			}
		case "no-index":
			l.opts.NoIndex = true
		case "find-links":
			loc := l.relocate(o.Value)
			if !strings.Contains(o.Value, "://") && !filepath.IsAbs(o.Value) {
				beside, err := filepath.Abs(filepath.Join(filepath.Dir(o.File), o.Value))
				if err == nil && exists(beside) {
					if rel, err := filepath.Rel(l.dir, beside); err == nil {
						loc = rel
					}
				}
			}
			if !slices.Contains(l.opts.FindLinks, loc) {
				l.opts.FindLinks = append(l.opts.FindLinks, loc)
			}
		}
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// relocate makes a relative local path relative to the output folder; URLs
// and absolute paths are returned as they are.
func (l *locker) relocate(loc string) string {
	if strings.Contains(loc, "://") || filepath.IsAbs(loc) {
		return loc
	}
	abs, err := filepath.Abs(loc)
	if err != nil {
		return loc
	}
	if rel, err := filepath.Rel(l.dir, abs); err == nil {
		return rel
	}
	return abs
}

func (l *locker) env() []string {
	if l.opts.Env != nil {
		return l.opts.Env
	}
	return os.Environ()
}

// indexArgs are the index options every backend takes.
func (l *locker) indexArgs() []string {
	var args []string
	if l.opts.IndexURL != "" {
		args = append(args, "--index-url", l.opts.IndexURL)
	}
	for _, u := range l.opts.ExtraIndexURLs {
		args = append(args, "--extra-index-url", u)
	}
	for _, f := range l.opts.FindLinks {
		args = append(args, "--find-links", f)
	}
	if l.opts.NoIndex {
		args = append(args, "--no-index")
	}
	return args
}

// indexURLs are every index and find-links location of the run: the
// options' and those of pip's environment variables, which the backend
// reads.
func (l *locker) indexURLs() []string {
	urls := append([]string{l.opts.IndexURL}, l.opts.ExtraIndexURLs...)
	urls = append(urls, l.opts.FindLinks...)
	for _, kv := range l.env() {
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS":
			urls = append(urls, strings.Fields(v)...)
		}
	}
	return urls
}

func (l *locker) indexHasCredentials() bool {
	for _, u := range append([]string{l.opts.IndexURL}, l.opts.ExtraIndexURLs...) {
		if p, err := url.Parse(u); err == nil && p.User != nil {
			return true
		}
	}
	return false
}

// check verifies the backend's output before it may replace the lockfile.
func (l *locker) check(ctx context.Context, tmp string) error {
	data, err := readRegular(nil, tmp)
	if err != nil {
		return &ResultError{Err: err}
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return &ResultError{Err: errors.New("the backend wrote an empty file")}
	}
	if Redact(string(data)) != string(data) {
		return &ResultError{Err: errors.New("it holds index credentials")}
	}
	if l.opts.Verify != nil {
		err = l.opts.Verify(tmp)
	} else {
		err = l.verifyStrict(ctx, tmp)
	}
	if err != nil {
		return &ResultError{Err: err}
	}
	return nil
}

// replace renames tmp over path after flushing it to disk, with the
// permissions path had before the run (was), then flushes the folder so
// the rename survives a crash.
func replace(tmp, path string, was lockfileState) error {
	f, err := os.OpenFile(tmp, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && was.exists {
		err = os.Chmod(tmp, was.mode)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return fmt.Errorf("replacing %s: %w", path, err)
	}
	_ = newfile.SyncDir(filepath.Dir(path)) // best effort: not every file system syncs folders
	return nil
}

// trimOutput keeps the end of a backend's output for an error message,
// indented, passed through redact (which removes credentials), control
// characters escaped, without blank lines at either end:
// from the first line pip starts with "ERROR:" when that is among the last
// maxErrorLines (what pip says between its first error and its last, such
// as the packages that conflict, is the part that explains the failure),
// else the last maxLines.
func trimOutput(out string, redact func(string) string) string {
	const maxLines, maxErrorLines = 20, 60
	lines := strings.Split(out, "\n")
	for i, s := range lines {
		lines[i] = strings.TrimRight(s, "\r")
	}
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	if len(lines) == 0 {
		return ""
	}

	start := max(0, len(lines)-maxLines)
	for i := max(0, len(lines)-maxErrorLines); i < len(lines); i++ {
		if strings.HasPrefix(lines[i], "ERROR:") {
			start = i
			break
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("  …\n")
	}
	for i, s := range lines[start:] {
		if i > 0 {
			b.WriteByte('\n')
		}
		if strings.TrimSpace(s) != "" {
			b.WriteString("  " + textsafe.Control(redact(s)))
		}
	}
	return b.String()
}
