package pyindex

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// pip runs the machine's pip with args against nothing but the index the
// test serves, and returns its combined output and error.
func pip(t *testing.T, py string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{"-m", "pip"}, args...)...)
	cmd.Env = PipEnv(os.Environ())
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// hashedRequirements renders "name==version --hash=…" lines for files.
func hashedRequirements(files ...*File) string {
	var b strings.Builder
	for _, f := range files {
		fmt.Fprintf(&b, "%s==%s --hash=sha256:%s\n", f.Project, f.Version, f.SHA256)
	}
	return b.String()
}

// TestPipDownloadRequireHashes proves that pip downloads a wheel and an sdist
// from the index in hash-checking mode, over JSON and over HTML, with and
// without hashes listed by the index.
func TestPipDownloadRequireHashes(t *testing.T) {
	py := testparts.Python(t)
	for _, tc := range []struct {
		name       string
		htmlOnly   bool
		omitHashes bool
	}{
		{"json", false, false},
		{"html", true, false},
		{"json-no-hashes", false, true},
		{"html-no-hashes", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := New(t)
			x.HTMLOnly(tc.htmlOnly)
			x.OmitHashes(tc.omitHashes)
			files := x.Add(Release{Name: "Tiny_Pkg", Version: "1.2.0", Sdist: true})
			wheel, sdist := files[0], files[1]

			dest := t.TempDir()
			req := writeFile(t, "requirements.txt", hashedRequirements(wheel))
			out, err := pip(t, py, "download", "--no-deps", "--require-hashes",
				"--index-url", x.URL(), "-d", dest, "-r", req)
			if err != nil {
				t.Fatalf("pip download: %v\n%s", err, out)
			}
			got, err := os.ReadFile(filepath.Join(dest, wheel.Filename))
			if err != nil {
				t.Fatalf("pip did not download %s: %v\n%s", wheel.Filename, err, out)
			}
			if !bytes.Equal(got, wheel.Data) {
				t.Errorf("downloaded %s differs from the served bytes", wheel.Filename)
			}

			// The sdist is hashed correctly too: pip accepts it with
			// --no-binary and prepares its metadata with the in-tree backend.
			dest = t.TempDir()
			req = writeFile(t, "requirements.txt", hashedRequirements(sdist))
			out, err = pip(t, py, "download", "--no-deps", "--require-hashes",
				"--no-binary", ":all:",
				"--index-url", x.URL(), "-d", dest, "-r", req)
			if _, statErr := os.Stat(filepath.Join(dest, sdist.Filename)); statErr != nil {
				t.Fatalf("pip did not download %s: %v %v\n%s", sdist.Filename, err, statErr, out)
			}
			if x.Downloads(sdist.Filename) == 0 {
				t.Errorf("Downloads(%s) = 0 after pip downloaded it", sdist.Filename)
			}
		})
	}
}

// TestPipInstallsSdist: pip builds the sdist with its in-tree backend, under
// build isolation and with nothing else on the index, and installs it.
func TestPipInstallsSdist(t *testing.T) {
	py := testparts.Python(t)
	x := New(t)
	sdist := x.Add(Release{Name: "from.source", Version: "0.3", Sdist: true})[1]

	target := t.TempDir()
	req := writeFile(t, "requirements.txt", hashedRequirements(sdist))
	out, err := pip(t, py, "install", "--no-deps", "--require-hashes", "--no-binary", ":all:",
		"--index-url", x.URL(), "--target", target, "-r", req)
	if err != nil {
		t.Fatalf("pip install from the sdist: %v\n%s", err, out)
	}
	got, err := os.ReadFile(filepath.Join(target, "from_source", "__init__.py"))
	if err != nil {
		t.Fatalf("the installed package is missing: %v\n%s", err, out)
	}
	if want := "__version__ = \"0.3\"\n"; string(got) != want {
		t.Errorf("installed __init__.py = %q, want %q", got, want)
	}
}

// TestPipRefusesTamperedFile: the index lists the true hash but serves other
// bytes; pip in hash-checking mode must refuse them.
func TestPipRefusesTamperedFile(t *testing.T) {
	py := testparts.Python(t)
	x := New(t)
	wheel := x.Add(Release{Name: "victim", Version: "1.0"})[0]
	x.Tamper(wheel.Filename)

	req := writeFile(t, "requirements.txt", hashedRequirements(wheel))
	out, err := pip(t, py, "download", "--no-deps", "--require-hashes",
		"--index-url", x.URL(), "-d", t.TempDir(), "-r", req)
	if err == nil {
		t.Fatalf("pip download of a tampered file succeeded:\n%s", out)
	}
	if !strings.Contains(out, "THESE PACKAGES DO NOT MATCH THE HASHES") {
		t.Errorf("pip failed, but not with a hash mismatch:\n%s", out)
	}
}

// report is the part of pip's installation report the tests read.
type report struct {
	Install []struct {
		Metadata struct {
			Name         string   `json:"name"`
			Version      string   `json:"version"`
			RequiresDist []string `json:"requires_dist"`
		} `json:"metadata"`
		Requested    bool `json:"requested"`
		DownloadInfo struct {
			URL string `json:"url"`
		} `json:"download_info"`
	} `json:"install"`
}

// TestPipResolves: pip's resolver walks Requires-Dist across the index,
// honours markers, extras and data-requires-python, and skips yanked files.
func TestPipResolves(t *testing.T) {
	py := testparts.Python(t)
	x := New(t)
	x.Add(
		Release{Name: "app", Version: "1.0", RequiresDist: []string{
			"lib>=2", `winonly; sys_platform == "win32"`, "extra-host[fast]",
		}},
		Release{Name: "lib", Version: "2.0"},
		Release{Name: "lib", Version: "2.1", RequiresPython: ">=4"},
		Release{Name: "lib", Version: "2.2"},
		Release{Name: "winonly", Version: "1.0"},
		Release{Name: "extra-host", Version: "3.0", ProvidesExtra: []string{"fast"},
			RequiresDist: []string{`speedup==0.5; extra == "fast"`}},
		Release{Name: "speedup", Version: "0.5",
			Tags: []string{"py3-none-any", "cp311-cp311-win_amd64"}},
	)
	x.Yank("lib-2.2-py3-none-any.whl", "broken")

	in := writeFile(t, "requirements.in", "app\n")
	out, err := pip(t, py, "install", "--dry-run", "--ignore-installed", "--quiet",
		"--report", "-", "--index-url", x.URL(), "-r", in)
	if err != nil {
		t.Fatalf("pip install --dry-run: %v\n%s", err, out)
	}
	var rep report
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &rep); err != nil {
		t.Fatalf("reading pip's report: %v\n%s", err, out)
	}
	var got []string
	for _, it := range rep.Install {
		got = append(got, Canonical(it.Metadata.Name)+"=="+it.Metadata.Version)
		if !strings.HasPrefix(it.DownloadInfo.URL, "http://"+x.Host()+"/files/") {
			t.Errorf("%s came from %s, not from the index", it.Metadata.Name, it.DownloadInfo.URL)
		}
	}
	sort.Strings(got)
	// lib 2.1 needs Python 4, lib 2.2 is yanked, winonly is for Windows.
	want := []string{"app==1.0", "extra-host==3.0", "lib==2.0", "speedup==0.5"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("pip resolved (-want +got):\n%s", diff)
	}
}

// TestPipInstallsPinnedYanked: PEP 592 lets an exact pin select a yanked
// file, and pip warns about it.
func TestPipInstallsPinnedYanked(t *testing.T) {
	py := testparts.Python(t)
	x := New(t)
	wheel := x.Add(Release{Name: "old", Version: "0.9"})[0]
	x.Yank(wheel.Filename, "security hole")

	req := writeFile(t, "requirements.txt", hashedRequirements(wheel))
	out, err := pip(t, py, "download", "--no-deps", "--require-hashes",
		"--index-url", x.URL(), "-d", t.TempDir(), "-r", req)
	if err != nil {
		t.Fatalf("pip download of a pinned yanked file: %v\n%s", err, out)
	}
	if !strings.Contains(out, "security hole") {
		t.Errorf("pip did not pass on the yank reason:\n%s", out)
	}
}

// TestPipWithBasicAuth: the credentials in URL reach the index.
func TestPipWithBasicAuth(t *testing.T) {
	py := testparts.Python(t)
	x := New(t)
	wheel := x.Add(Release{Name: "private", Version: "1.0"})[0]
	x.RequireAuth("ci", "s3cret")

	req := writeFile(t, "requirements.txt", hashedRequirements(wheel))
	out, err := pip(t, py, "download", "--no-deps", "--require-hashes",
		"--index-url", x.URL(), "-d", t.TempDir(), "-r", req)
	if err != nil {
		t.Fatalf("pip download with credentials: %v\n%s", err, out)
	}
}
