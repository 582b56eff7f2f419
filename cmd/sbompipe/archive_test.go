package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sentrikat/sbompipe/archive"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// buildBinary builds sbompipe into a temporary folder: the crash and
// concurrency tests need real processes to kill and to race.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "sbompipe")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// writeRelease writes a CycloneDX and an SPDX document for a release into
// dir and returns their paths. n components make the documents large
// enough that a kill can land in the middle of writing them.
func writeRelease(t *testing.T, dir, release string, n int) []string {
	t.Helper()
	var cdx, spdx strings.Builder
	fmt.Fprintf(&cdx, `{"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, `+
		`"metadata": {"component": {"type": "application", "name": "agent", "version": %q}}, `+
		`"components": [`, release)
	fmt.Fprintf(&spdx, `{"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": %q, `+
		`"packages": [{"SPDXID": "SPDXRef-root", "name": "agent"}`, release)
	for i := range n {
		if i > 0 {
			cdx.WriteString(",")
		}
		fmt.Fprintf(&cdx, "\n  {\"type\": \"library\", \"name\": \"pkg%d\", "+
			"\"version\": \"%s.%d\"}", i, release, i)
		fmt.Fprintf(&spdx, ",\n  {\"SPDXID\": \"SPDXRef-p%d\", \"name\": \"pkg%d\", "+
			"\"versionInfo\": \"%s.%d\"}", i, i, release, i)
	}
	cdx.WriteString("]}\n")
	spdx.WriteString(`], "relationships": [{"spdxElementId": "SPDXRef-DOCUMENT", ` +
		`"relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-root"}]}` + "\n")
	paths := []string{
		filepath.Join(dir, release+".cdx.json"),
		filepath.Join(dir, release+".spdx.json"),
	}
	for i, s := range []string{cdx.String(), spdx.String()} {
		if err := os.WriteFile(paths[i], []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

// A document over the archive's limit is refused with its real size (a
// file) or as over the limit (a pipe), not with the size read up to the
// limit.
func TestAddRefusesLargeDocuments(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.cdx.json")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	// Sparse: no disk space, but 314,572,800 bytes to read.
	if err := f.Truncate(300 << 20); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "pipe.cdx.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		defer w.Close()
		chunk := make([]byte, 1<<20)
		for range 300 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}()
	store := filepath.Join(dir, "store")
	for _, tt := range []struct{ file, want string }{
		{big, "big.cdx.json: 314572800 bytes; the archive stores documents of at most 256 MiB"},
		{fifo, "pipe.cdx.json: larger than the 256 MiB limit of an archive document"},
	} {
		var stderr strings.Builder
		args := append([]string{"sbompipe"}, addArgs(store, "v1", []string{tt.file})...)
		err := run(context.Background(), args, nil, io.Discard, &stderr)
		code := exitCode(err, &stderr)
		if code != exitUsage || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("add %s: exit %d, stderr %q; want 2 and %q",
				filepath.Base(tt.file), code, stderr.String(), tt.want)
		}
	}
	if _, err := os.Stat(store); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused add made the store folder (%v)", err)
	}
}

func addArgs(store, release string, files []string) []string {
	return append([]string{"archive", "add", "--store", store,
		"--product", "agent", "--release", release}, files...)
}

// publishedFiles reads the files of every release that has a release.json.
func publishedFiles(t *testing.T, store string) map[string]string {
	t.Helper()
	files := map[string]string{}
	dirs, _ := filepath.Glob(filepath.Join(store, "agent", "*", "release.json"))
	for _, meta := range dirs {
		dir := filepath.Dir(meta)
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, ".tmp") {
				return err
			}
			data, err := os.ReadFile(path)
			files[path] = string(data)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return files
}

func verifyStore(t *testing.T, url string) *archive.Report {
	t.Helper()
	s, err := archive.Open(context.Background(), url, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestAddSurvivesSIGKILL kills archive add at random moments, 100 times on
// a folder store and 25 on an S3 bucket (20 and 10 with -short): after every
// kill verify finds no error and every release published before stays
// byte-identical. Re-running the killed adds then publishes them all.
func TestAddSurvivesSIGKILL(t *testing.T) {
	bin := buildBinary(t)
	t.Run("file", func(t *testing.T) {
		store := filepath.Join(t.TempDir(), "store")
		killLoop(t, bin, "file://"+store, store, 100, 20)
	})
	t.Run("s3", func(t *testing.T) {
		srv := testparts.StartVersitygw(t)
		killLoop(t, bin, srv.StoreURL("crash"), srv.Bucket(t, "crash"), 25, 10)
	})
}

// killLoop runs the kills on the store at url, whose files are in dir.
func killLoop(t *testing.T, bin, url, dir string, kills, short int) {
	work := t.TempDir()
	first := addArgs(url, "v0.0.0", writeRelease(t, work, "v0.0.0", 2000))
	if out, err := exec.Command(bin, first...).CombinedOutput(); err != nil {
		t.Fatalf("first add: %v\n%s", err, out)
	}
	// How long a new release's add takes here, so that kills land across
	// all of it.
	start := time.Now()
	timed := addArgs(url, "v0.0.1", writeRelease(t, work, "v0.0.1", 2000))
	if out, err := exec.Command(bin, timed...).CombinedOutput(); err != nil {
		t.Fatalf("timing add: %v\n%s", err, out)
	}
	span := time.Since(start) * 3 / 2

	if testing.Short() {
		kills = short
	}
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	seen := map[string]int{}
	var pending [][]string
	for i := range kills {
		rel := fmt.Sprintf("v1.%d.0", i)
		files := writeRelease(t, work, rel, 2000)
		before := publishedFiles(t, dir)
		cmd := exec.Command(bin, addArgs(url, rel, files)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rng.Int64N(int64(span))))
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.Sys().(syscall.WaitStatus).Signaled() {
			pending = append(pending, addArgs(url, rel, files))
		} else if err != nil {
			t.Fatalf("add %s failed without being killed: %v", rel, err)
		}

		rep := verifyStore(t, url)
		if rep.Errors > 0 {
			t.Fatalf("kill %d (%s): verify found errors: %+v", i, rel, rep.Problems)
		}
		for _, p := range rep.Problems {
			seen[p.Kind]++
		}
		after := publishedFiles(t, dir)
		for path, data := range before {
			if after[path] != data {
				t.Fatalf("kill %d (%s): published file %s changed", i, rel, path)
			}
		}
	}
	t.Logf("%d adds, %d killed before they finished; traces verify saw: %v",
		kills, len(pending), seen)
	if len(pending) == 0 {
		t.Errorf("no add was killed before it finished; the test proves nothing")
	}

	// The killed adds, run again, finish their releases.
	for _, args := range pending {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("re-running %v: %v\n%s", args, err, out)
		}
	}
	rep := verifyStore(t, url)
	if len(rep.Problems) != 0 || rep.Releases != kills+2 {
		t.Errorf("after re-running the killed adds: %d releases, problems %+v; want %d and none",
			rep.Releases, rep.Problems, kills+2)
	}
}

// TestEightWriters runs eight archive add processes at once on one store,
// a folder and an S3 bucket: every release ends up in the index.
func TestEightWriters(t *testing.T) {
	bin := buildBinary(t)
	t.Run("file", func(t *testing.T) {
		eightWriters(t, bin, "file://"+filepath.Join(t.TempDir(), "store"))
	})
	t.Run("s3", func(t *testing.T) {
		srv := testparts.StartVersitygw(t)
		srv.Bucket(t, "race")
		eightWriters(t, bin, srv.StoreURL("race"))
	})
}

func eightWriters(t *testing.T, bin, url string) {
	work := t.TempDir()
	const writers = 8
	var wg sync.WaitGroup
	errs := make([]error, writers)
	outs := make([][]byte, writers)
	ready := make(chan struct{})
	for i := range writers {
		rel := fmt.Sprintf("v2.%d.0", i)
		files := writeRelease(t, work, rel, 200)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-ready
			outs[i], errs[i] = exec.Command(bin, addArgs(url, rel, files)...).CombinedOutput()
		}()
	}
	close(ready)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	s, err := archive.Open(context.Background(), url, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ix, err := s.Index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ix.Products {
		for _, r := range p.Releases {
			got = append(got, r.Release)
		}
	}
	if len(got) != writers {
		t.Errorf("index lists %d releases %v, want all %d", len(got), got, writers)
	}
	if rep := verifyStore(t, url); len(rep.Problems) != 0 {
		t.Errorf("verify after eight writers: %+v", rep.Problems)
	}
}

// A mistyped command is a usage error (exit 2) at the top level and under
// archive, where urfave/cli alone would show help and exit 0; no
// subcommand shows the help.
func TestUnknownCommand(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"bogus"}, 2, `unknown command "bogus"; see sbompipe --help`},
		{[]string{"archive", "bogus"}, 2, `unknown command "bogus"; see sbompipe archive --help`},
		{[]string{"archive"}, 0, ""},
	} {
		code, stdout, stderr := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("sbompipe %s: exit %d, stderr %q; want %d and %q", strings.Join(tc.args, " "),
				code, stderr, tc.code, tc.want)
		}
		if tc.code == 0 && !strings.Contains(stdout, "COMMANDS:") {
			t.Errorf("sbompipe %s: no help on stdout: %q", strings.Join(tc.args, " "), stdout)
		}
	}
}

// archive verify prints the store's keys escaped: a line break in a
// key would forge report lines and GitHub Actions workflow commands (an
// attack wrote "::error" and "::add-mask::" lines this way).
func TestArchiveVerifyEscapesKeys(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	docs := writeRelease(t, dir, "v1", 2)
	if code, _, stderr := runCLI(t, addArgs(store, "v1", docs)...); code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	evil := filepath.Join(store, "agent", "v1", "x\n::error file=README.md,line=1::forged\n\x1b[2J")
	if err := os.WriteFile(evil, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ := runCLI(t, "archive", "verify", "--store", store)
	if code != 1 {
		t.Errorf("verify: exit %d, want 1 for the stray file", code)
	}
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "::") || strings.Contains(line, "\x1b") {
			t.Errorf("verify printed a raw line from a key: %q", line)
		}
	}
	if !strings.Contains(stdout, `x\n::error`) {
		t.Errorf("verify does not name the stray file, escaped:\n%s", stdout)
	}
}
