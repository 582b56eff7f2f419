// Package testparts finds the real programs that tests run against: pip, a
// S3-compatible server, Chromium. A missing part fails the test under
// CI=true and skips it elsewhere, saying what to install. It also holds
// the small helpers tests of several packages share.
package testparts

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/module"
)

// CI reports whether the tests run in continuous integration, where every
// part must be present.
func CI() bool {
	return os.Getenv("CI") == "true"
}

// ToolsDir is where `make test` installs Go tools the tests need
// (scripts/test-deps.sh): $XDG_CACHE_HOME/sbompipe/bin, or
// ~/.cache/sbompipe/bin.
func ToolsDir() string {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "sbompipe", "bin")
}

// Missing fails the test under CI=true and skips it elsewhere. The message
// should say what is missing and how to install it.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if CI() {
		t.Fatalf("missing test part (CI=true): "+format, args...)
	}
	t.Skipf("skipping: "+format, args...)
}

// Command returns the path of the named program, looked up on PATH and then
// in ToolsDir. When it is absent the test is failed or skipped (see
// Missing) with install as the hint.
func Command(t testing.TB, name, install string) string {
	t.Helper()
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	if dir := ToolsDir(); dir != "" {
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	Missing(t, "%s not found; %s", name, install)
	return ""
}

// Python returns the python3 interpreter that has pip, for tests that run
// pip against a package index served on 127.0.0.1.
func Python(t testing.TB) string {
	t.Helper()
	py := Command(t, "python3", "install python3 and python3-pip (apt-get install python3-pip)")
	if err := exec.Command(py, "-m", "pip", "--version").Run(); err != nil {
		Missing(t, "%s -m pip does not run (%v); install python3-pip", py, err)
	}
	return py
}

// Chromium returns the path of a headless-capable Chromium.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	Missing(t, "chromium not found; apt-get install chromium (make test does this)")
	return ""
}

// Versitygw returns the path of the versitygw S3 gateway.
func Versitygw(t testing.TB) string {
	t.Helper()
	return Command(t, "versitygw",
		"go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 (make test does this)")
}

// Shared returns the folder shared/<sub> (the corpus of real inputs, the
// schemas) that sits beside the checkout: the nearest folder named shared
// above the working directory that has <sub>. When it is absent the test
// is failed or skipped (see Missing).
func Shared(t testing.TB, sub string) string {
	t.Helper()
	if dir := FindShared(sub); dir != "" {
		return dir
	}
	Missing(t, "shared/%s is not beside the checkout (the corpus and schemas the tests read); "+
		"set SBOMPIPE_SHARED_DIR to the folder that holds it", sub)
	return ""
}

// FindShared returns shared/<sub> like Shared, or "" when it is absent. It
// looks in $SBOMPIPE_SHARED_DIR, above this source file (the checkout),
// then above the working directory, which tests may have changed.
func FindShared(sub string) string {
	if dir := os.Getenv("SBOMPIPE_SHARED_DIR"); dir != "" {
		p := filepath.Join(dir, filepath.FromSlash(sub))
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			return p
		}
	}
	var starts []string
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	for _, dir := range starts {
		for {
			p := filepath.Join(dir, "shared", filepath.FromSlash(sub))
			if fi, err := os.Stat(p); err == nil && fi.IsDir() {
				return p
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return ""
}

// S3Server is a versitygw S3 gateway that a test started on 127.0.0.1.
type S3Server struct {
	// Endpoint is the gateway's URL, http://127.0.0.1:PORT.
	Endpoint string
	// Root is the posix backend's folder: each bucket is a folder in it.
	Root string
}

// StoreURL returns the gocloud s3:// URL of bucket on the gateway.
func (s *S3Server) StoreURL(bucket string) string {
	return "s3://" + bucket + "?endpoint=" + s.Endpoint + "&region=us-east-1&use_path_style=true"
}

// Bucket creates a bucket (a folder of the posix backend) and returns its
// folder.
func (s *S3Server) Bucket(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(s.Root, name)
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// StartVersitygw starts versitygw with its posix backend on a temporary
// folder, listening on a free 127.0.0.1 port, and stops it when the test
// ends. It sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the test
// (so the test cannot be parallel) to the gateway's root credentials, and
// AWS_EC2_METADATA_DISABLED so that nothing asks a metadata address.
func StartVersitygw(t testing.TB) *S3Server {
	t.Helper()
	bin := Versitygw(t)
	const access, secret = "sbompipe-test", "sbompipe-test-secret"
	t.Setenv("AWS_ACCESS_KEY_ID", access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", secret)
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	// Never let the SDK's credential chain ask a cloud metadata address.
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	root := t.TempDir()
	for attempt := 0; attempt < 5; attempt++ {
		addr := freeAddr(t)
		cmd := exec.Command(bin, "--port", addr, "--access", access, "--secret", secret,
			"--quiet", "posix", root)
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting versitygw: %v", err)
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		if waitListening(addr, exited) {
			t.Cleanup(func() {
				cmd.Process.Kill()
				<-exited
			})
			return &S3Server{Endpoint: "http://" + addr, Root: root}
		}
		cmd.Process.Kill()
		<-exited
		t.Logf("versitygw on %s did not start (retrying): %s", addr, out.String())
	}
	t.Fatal("versitygw did not start")
	return nil
}

// freeAddr returns a 127.0.0.1 address with a port that was free a moment ago.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitListening waits up to ten seconds for addr to accept connections,
// giving up early when the server exits.
func waitListening(addr string, exited <-chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// ModuleCache returns the go command's module cache (go env GOMODCACHE)
// once it holds module path at version, as after go mod download; a cache
// without it is a missing part (see Missing).
func ModuleCache(t testing.TB, path, version string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		Missing(t, "go env GOMODCACHE: %v; install Go", err)
	}
	cache := strings.TrimSpace(string(out))
	escaped, err := module.EscapePath(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(cache, filepath.FromSlash(escaped)+"@"+version)); err != nil {
		Missing(t, "%s %s is not in the module cache (%v); run go mod download %s@%s",
			path, version, err, path, version)
	}
	return cache
}

// SyncBuffer is a bytes.Buffer that goroutines may write while the test
// reads it: a status line's, a server's log.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
