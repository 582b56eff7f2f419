package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sentrikat/sbompipe/archive"
	"github.com/sentrikat/sbompipe/internal/fakegithub"
	"github.com/sentrikat/sbompipe/internal/sbomcheck"
	"github.com/sentrikat/sbompipe/internal/testparts"
)

// commitTime is the time of the tagged commit in the test repositories.
var commitTime = time.Date(2026, 4, 17, 9, 0, 0, 0, time.UTC)

// releaseRepo makes a git repository with a tag v1.4.0: the example's
// hashed lockfile (its hashes are the SHA-256 of the wheels it carries),
// its requirements.in, and a Go module requiring github.com/google/uuid,
// whose go.mod and go.sum lines come from sbompipe's own (so `go mod graph`
// finds everything in the module cache). It returns the repository's path,
// the working directory of the test from then on.
func releaseRepo(t *testing.T) string {
	t.Helper()
	gitPath := testparts.Command(t, "git", "apt-get install git")
	root := t.TempDir()
	example := filepath.Join("..", "..", "examples", "demo")
	for _, name := range []string{"requirements.txt", "requirements.in",
		"wheels/colorwheel-3.2.0-py3-none-any.whl", "wheels/tinyhttp-1.8.2-py3-none-any.whl"} {
		copyFile(t, filepath.Join(example, name), filepath.Join(root, name))
	}
	sums, err := os.ReadFile(filepath.Join("..", "..", "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var uuidSums []string
	for _, line := range strings.Split(string(sums), "\n") {
		if strings.HasPrefix(line, "github.com/google/uuid v1.6.0 ") ||
			strings.HasPrefix(line, "github.com/google/uuid v1.6.0/go.mod ") {
			uuidSums = append(uuidSums, line)
		}
	}
	if len(uuidSums) != 2 {
		t.Fatalf("sbompipe's go.sum has %d lines for github.com/google/uuid v1.6.0, want 2",
			len(uuidSums))
	}
	writeFiles(t, root, map[string]string{
		"app/go.mod": "module example.com/shop/app\n\ngo 1.26\n\n" +
			"require github.com/google/uuid v1.6.0\n",
		"app/go.sum": strings.Join(uuidSums, "\n") + "\n",
		"app/main.go": "package main\n\nimport \"github.com/google/uuid\"\n\n" +
			"func main() { println(uuid.NewString()) }\n",
	})

	t.Chdir(root)
	gitRun(t, gitPath, "init", "-q")
	commitAndTag(t, gitPath, "v1.4.0", commitTime)
	return root
}

// commitAndTag commits every change at the time when and (re)tags it.
func commitAndTag(t *testing.T, gitPath, tag string, when time.Time) {
	t.Helper()
	env := []string{
		"GIT_AUTHOR_DATE=" + when.Format(time.RFC3339),
		"GIT_COMMITTER_DATE=" + when.Format(time.RFC3339),
	}
	gitRun(t, gitPath, "add", "-A")
	gitRunEnv(t, env, gitPath, "-c", "user.name=Release Bot", "-c", "user.email=bot@example.com",
		"commit", "-q", "-m", tag)
	gitRun(t, gitPath, "tag", "-f", tag)
}

func gitRun(t *testing.T, gitPath string, args ...string) {
	t.Helper()
	gitRunEnv(t, nil, gitPath, args...)
}

func gitRunEnv(t *testing.T, env []string, gitPath string, args ...string) {
	t.Helper()
	cmd := exec.Command(gitPath, args...)
	cmd.Env = append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// releaseEnv clears what the environment could add to a release run and
// keeps `go mod graph` off the network.
func releaseEnv(t *testing.T) {
	for _, k := range []string{
		"GITHUB_ACTIONS", "GITHUB_REF_NAME", "GITHUB_REF_TYPE", "GITHUB_REPOSITORY",
		"GITHUB_TOKEN", "GITHUB_API_URL", "GITHUB_SHA", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT",
		"SOURCE_DATE_EPOCH", "SBOMPIPE_CONFIG",
	} {
		t.Setenv(k, "")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, filepath.Dir(to), map[string]string{filepath.Base(to): string(data)})
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// runCLI runs sbompipe in-process and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errw bytes.Buffer
	err := run(context.Background(), append([]string{"sbompipe"}, args...), nil, &out, &errw)
	code = exitCode(err, &errw)
	return code, out.String(), errw.String()
}

// snapshot returns the SHA-256 of every file under dir, by relative path.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestReleaseEndToEnd(t *testing.T) {
	releaseEnv(t)
	releaseRepo(t)
	args := []string{"release", "--product", "shop", "--python", "requirements.txt",
		"--in", "requirements.in", "--go", "app"}

	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("release exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if strings.Count(stdout, "added ") != 2 {
		t.Errorf("stdout should list two added documents:\n%s", stdout)
	}

	// The archive verifies, and its index lists the release.
	s, err := archive.Open(context.Background(), "sbom-archive", archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rep, err := s.Verify(context.Background())
	if err != nil || rep.Errors+rep.Warnings != 0 {
		t.Fatalf("archive verify: %v, %+v", err, rep)
	}
	ix, err := s.Index(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := ix.Find("shop")
	if !ok || len(p.Releases) != 1 || p.Releases[0].Release != "v1.4.0" ||
		len(p.Releases[0].Documents) != 2 {
		t.Fatalf("index: %+v", ix)
	}
	if !p.Releases[0].Published.Equal(ix.Generated) {
		t.Errorf("index generated %s, want the publish time %s",
			ix.Generated, p.Releases[0].Published)
	}

	// Both documents validate and carry the tagged commit's time.
	for _, d := range p.Releases[0].Documents {
		data, err := os.ReadFile(filepath.Join("sbom-archive", filepath.FromSlash(d.Path)))
		if err != nil {
			t.Fatal(err)
		}
		format := map[string]string{"cyclonedx": "cyclonedx-json", "spdx": "spdx-json"}[d.Format]
		if err := sbomcheck.Document(t, data, format, "1.6"); err != nil {
			t.Errorf("%s: %v", d.Path, err)
		}
		if stamp := commitTime.Format(time.RFC3339); !bytes.Contains(data, []byte(`"`+stamp+`"`)) {
			t.Errorf("%s does not carry the commit time %s", d.Path, stamp)
		}
		local, err := os.ReadFile(filepath.Join("dist", "sbom", d.Name()))
		if err != nil || !bytes.Equal(local, data) {
			t.Errorf("dist/sbom/%s differs from the archived copy (%v)", d.Name(), err)
		}
	}
	sums, err := os.ReadFile(filepath.Join("sbom-archive", "shop", "v1.4.0", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	local, _ := os.ReadFile(filepath.Join("dist", "sbom", "SHA256SUMS"))
	if !bytes.Equal(local, sums) {
		t.Errorf("dist/sbom/SHA256SUMS:\n%s\nwant the archive's:\n%s", local, sums)
	}

	// The same tag again changes nothing.
	before := snapshot(t, "sbom-archive")
	code, stdout, stderr = runCLI(t, args...)
	if code != 0 || strings.Count(stdout, "unchanged ") != 2 {
		t.Fatalf("second release exited %d, want 0 with two unchanged documents\n"+
			"stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if diff := cmp.Diff(before, snapshot(t, "sbom-archive")); diff != "" {
		t.Errorf("the second run changed the archive (-before +after):\n%s", diff)
	}

	// A byte of the lockfile changes (a digest digit). Uncommitted, the
	// checkout is not what the tag holds: nothing is released.
	lock, _ := os.ReadFile("requirements.txt")
	i := bytes.Index(lock, []byte("sha256:")) + len("sha256:")
	if lock[i] == '0' {
		lock[i] = '1'
	} else {
		lock[i] = '0'
	}
	if err := os.WriteFile("requirements.txt", lock, 0o644); err != nil {
		t.Fatal(err)
	}
	dist := snapshot(t, "dist")
	code, stdout, stderr = runCLI(t, args...)
	if code != 2 || !strings.Contains(stderr, "differs from v1.4.0 in tracked files") ||
		!strings.Contains(stderr, "requirements.txt") {
		t.Fatalf("release of a changed checkout exited %d, want 2 naming requirements.txt\n"+
			"stderr:\n%s", code, stderr)
	}

	// Committed and the tag moved onto it, as a re-run after a re-tag
	// does: the archive refuses the different bytes.
	commitAndTag(t, testparts.Command(t, "git", ""), "v1.4.0", commitTime)
	code, stdout, stderr = runCLI(t, args...)
	if code != 1 {
		t.Fatalf("release after a changed lockfile exited %d, want 1\nstdout:\n%s\nstderr:\n%s",
			code, stdout, stderr)
	}
	for _, want := range []string{"refused", "immutable", "--replace"} {
		if !strings.Contains(stdout+stderr, want) {
			t.Errorf("output lacks %q:\nstdout:\n%s\nstderr:\n%s", want, stdout, stderr)
		}
	}
	if diff := cmp.Diff(before, snapshot(t, "sbom-archive")); diff != "" {
		t.Errorf("a refused release changed the archive (-before +after):\n%s", diff)
	}
	if diff := cmp.Diff(dist, snapshot(t, "dist")); diff != "" {
		t.Errorf("a refused release changed dist/ (-before +after):\n%s", diff)
	}
}

// HEAD elsewhere than the tag, or two tags on HEAD, are not released.
func TestReleaseCheckout(t *testing.T) {
	releaseEnv(t)
	releaseRepo(t)
	gitPath := testparts.Command(t, "git", "")
	writeFiles(t, ".", map[string]string{"NEWS": "next\n"})
	commitAndTag(t, gitPath, "v1.5.0", commitTime.Add(time.Hour))
	args := []string{"release", "--python", "requirements.txt", "--go", "app"}

	code, _, stderr := runCLI(t, append(args, "--version", "v1.4.0")...)
	if code != 2 || !strings.Contains(stderr, "the tag v1.4.0 is at") {
		t.Errorf("release of v1.4.0 at v1.5.0's commit: exit %d, %s; want 2 and the tags' commits",
			code, stderr)
	}
	gitRun(t, gitPath, "tag", "v1.5.0-rc.1")
	code, _, stderr = runCLI(t, args...)
	if code != 2 || !strings.Contains(stderr, "HEAD has the tags v1.5.0, v1.5.0-rc.1") {
		t.Errorf("release with two tags at HEAD: exit %d, %s; want 2 naming both", code, stderr)
	}
	code, stdout, stderr := runCLI(t, append(args, "--version", "v1.4.0", "--allow-dirty")...)
	if code != 0 {
		t.Errorf("--allow-dirty: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// With no flags, in a repository holding requirements.txt and go.mod at a
// tag, release takes them, the tag, and the default store.
func TestReleaseWithoutFlags(t *testing.T) {
	releaseEnv(t)
	root := releaseRepo(t)
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		copyFile(t, filepath.Join("app", name), name)
	}
	code, stdout, stderr := runCLI(t, "release")
	if code != 0 {
		t.Fatalf("release exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	product := filepath.Base(root)
	for _, want := range []string{
		filepath.Join("sbom-archive", product, "v1.4.0", product+"_v1.4.0.cdx.json"),
		filepath.Join("sbom-archive", product, "v1.4.0", product+"_v1.4.0.spdx.json"),
		filepath.Join("sbom-archive", "index.html"),
	} {
		if _, err := os.Stat(want); err != nil {
			t.Errorf("release without flags: %v", err)
		}
	}
	data, _ := os.ReadFile(filepath.Join("dist", "sbom", product+"_v1.4.0.cdx.json"))
	for _, want := range []string{
		`"pkg:pypi/colorwheel@3.2.0"`, `"pkg:golang/github.com/google/uuid@v1.6.0"`,
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("the CycloneDX document lacks %s", want)
		}
	}
	if !strings.Contains(stderr, "0 errors, 0 warnings") {
		t.Errorf("verify should have checked requirements.txt against requirements.in:\n%s",
			stderr)
	}
}

// A --out copy that could not be written stops the release before the
// store is changed (an attack's release updated the store, then failed
// on a symbolic link in dist/sbom).
func TestReleaseChecksOutFirst(t *testing.T) {
	releaseEnv(t)
	releaseRepo(t)
	for _, name := range []string{"go.mod", "go.sum", "main.go"} {
		copyFile(t, filepath.Join("app", name), name)
	}
	if err := os.MkdirAll(filepath.Join("dist", "sbom"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join("dist", "sbom", "SHA256SUMS")); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, "release")
	if code != 2 || !strings.Contains(stderr, "SHA256SUMS exists and is not a regular file") {
		t.Errorf("release: exit %d, %q; want 2 naming dist/sbom/SHA256SUMS", code, stderr)
	}
	if _, err := os.Stat("sbom-archive"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the store was made or changed (%v)", err)
	}
}

func TestReleaseStopsOnVerifyErrors(t *testing.T) {
	releaseEnv(t)
	releaseRepo(t)
	writeFiles(t, ".", map[string]string{"requirements.txt": "colorwheel==3.2.0\n"})
	commitAndTag(t, testparts.Command(t, "git", ""), "v1.4.0", commitTime)
	t.Setenv("GITHUB_ACTIONS", "true")

	code, stdout, stderr := runCLI(t, "release", "--python", "requirements.txt", "--go", "app")
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"requirements.txt:1: missing-hash", "::error file=requirements.txt,line=1,",
		"nothing was released",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	for _, dir := range []string{"sbom-archive", "dist"} {
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s exists after a refused release (%v)", dir, err)
		}
	}
}

func TestReleaseVersionErrors(t *testing.T) {
	releaseEnv(t)
	releaseRepo(t)
	for _, tt := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"on a branch", map[string]string{"GITHUB_REF_NAME": "main", "GITHUB_REF_TYPE": "branch"},
			nil, "not on a tag"},
		{"bad name", nil, []string{"--version", "v1/../x"}, "release"},
		{"github without token", map[string]string{"GITHUB_REPOSITORY": "acme/agent"},
			[]string{"--github-release"}, "GITHUB_TOKEN"},
		{"github asset name",
			map[string]string{"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "acme/agent"},
			[]string{"--github-release", "--version", "v1.4.0+build.7"}, "GitHub would rename"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			args := append([]string{"release", "--python", "requirements.txt", "--go", "app"},
				tt.args...)
			code, _, stderr := runCLI(t, args...)
			if code != 2 || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tt.want)
			}
			if _, err := os.Stat("sbom-archive"); !os.IsNotExist(err) {
				t.Errorf("the store was created (%v)", err)
			}
		})
	}
}

// The GitHub path, as a release workflow on a tag push runs it: the
// release is created as a draft, every asset uploaded once (also when the
// first upload fails with a 502 and leaves a starter asset), then
// published; the step gets its outputs and summary. Running the job again
// uploads nothing.
func TestReleaseGitHub(t *testing.T) {
	releaseEnv(t)
	releaseRepo(t)
	gh := fakegithub.New(t)
	gh.Inject("upload",
		fakegithub.Fault{Status: 502, Body: `{"message":"Bad Gateway"}`, Keep: "starter"})
	outputs := filepath.Join(t.TempDir(), "outputs")
	summary := filepath.Join(t.TempDir(), "summary.md")
	for k, v := range map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "v1.4.0", "GITHUB_REF_TYPE": "tag",
		"GITHUB_REPOSITORY": fakegithub.Repository, "GITHUB_TOKEN": gh.Token,
		"GITHUB_API_URL": gh.APIURL(),
		"GITHUB_SHA":     "0123456789abcdef0123456789abcdef01234567",
		"GITHUB_OUTPUT":  outputs, "GITHUB_STEP_SUMMARY": summary,
	} {
		t.Setenv(k, v)
	}
	args := []string{"release", "--python", "requirements.txt", "--go", "app", "--github-release"}

	code, stdout, stderr := runCLI(t, args...)
	if code != 0 {
		t.Fatalf("release exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	rel := gh.Release("v1.4.0")
	if rel == nil || rel.Draft || rel.Commit != os.Getenv("GITHUB_SHA") {
		t.Fatalf("release on GitHub: %+v; want a published release at GITHUB_SHA", rel)
	}
	var names []string
	for _, a := range rel.Assets {
		names = append(names, a.Name+" "+a.ContentType)
		local, err := os.ReadFile(filepath.Join("dist", "sbom", a.Name))
		if err != nil || !bytes.Equal(local, a.Data) {
			t.Errorf("asset %s differs from dist/sbom/%s (%v)", a.Name, a.Name, err)
		}
	}
	want := []string{
		"agent_v1.4.0.cdx.json application/vnd.cyclonedx+json",
		"agent_v1.4.0.spdx.json application/spdx+json",
		"SHA256SUMS text/plain; charset=utf-8",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("assets (-want +got):\n%s", diff)
	}
	firstRun := gh.Requests()
	uploads := 0
	for _, r := range firstRun {
		if strings.HasPrefix(r, "POST /api/uploads/") {
			uploads++
		}
	}
	if uploads != 4 { // three assets, one of them twice after the 502
		t.Errorf("%d uploads, want 4:\n%s", uploads, strings.Join(firstRun, "\n"))
	}
	if last := firstRun[len(firstRun)-1]; !strings.HasPrefix(last, "PATCH ") {
		t.Errorf("last request %s, want the PATCH that publishes the release", last)
	}

	out, _ := os.ReadFile(outputs)
	for _, want := range []string{
		"cyclonedx<<ghadelimiter_", filepath.Join("dist", "sbom", "agent_v1.4.0.cdx.json"),
		"spdx<<ghadelimiter_",
		"index<<ghadelimiter_", filepath.Join("sbom-archive", "index.json"),
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("step outputs lack %q:\n%s", want, out)
		}
	}
	md, _ := os.ReadFile(summary)
	for _, want := range []string{
		"| `agent_v1.4.0.cdx.json` | CycloneDX 1.6 |", "| `agent_v1.4.0.spdx.json` | SPDX 2.3 |",
		"GitHub release",
	} {
		if !strings.Contains(string(md), want) {
			t.Errorf("job summary lacks %q:\n%s", want, md)
		}
	}

	// The job again: nothing is uploaded or published.
	code, stdout, stderr = runCLI(t, args...)
	if code != 0 {
		t.Fatalf("second release exited %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	again := gh.Requests()[len(firstRun):]
	wantAgain := []string{"GET /api/v3/repos/acme/agent/releases/tags/v1.4.0",
		"GET /api/v3/repos/acme/agent/releases/" + jsonInt(rel.ID) + "/assets"}
	if diff := cmp.Diff(wantAgain, again); diff != "" {
		t.Errorf("second run's requests (-want +got):\n%s", diff)
	}
	if strings.Count(stdout, "github unchanged") != 3 {
		t.Errorf("stdout should report three unchanged assets:\n%s", stdout)
	}
}

func jsonInt(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// A different asset on the published release is refused (exit 1), naming
// both digests, after the archive has the release.
func TestReleaseGitHubConflict(t *testing.T) {
	releaseEnv(t)
	releaseRepo(t)
	gh := fakegithub.New(t)
	rel := gh.AddRelease("v1.4.0", false)
	gh.AddAsset(rel, "shop_v1.4.0.cdx.json", "uploaded", []byte("{}"))
	t.Setenv("GITHUB_REPOSITORY", fakegithub.Repository)
	t.Setenv("GITHUB_TOKEN", gh.Token)
	t.Setenv("GITHUB_API_URL", gh.APIURL())

	code, _, stderr := runCLI(t, "release", "--product", "shop", "--python", "requirements.txt",
		"--go", "app", "--github-release")
	if code != 1 || !strings.Contains(stderr, "different shop_v1.4.0.cdx.json (GitHub: sha256:") {
		t.Fatalf("exit %d, stderr:\n%s\nwant 1 and the conflict", code, stderr)
	}
	if len(rel.Assets) != 1 || string(rel.Assets[0].Data) != "{}" {
		t.Errorf("the release's assets changed: %+v", rel.Assets)
	}
}

// The release job on real lockfiles and go.mod files of public projects:
// a clean one is released; one with findings stops the release.
func TestReleaseCorpus(t *testing.T) {
	releaseEnv(t)
	corpus := testparts.Shared(t, "corpus")
	t.Chdir(t.TempDir())
	t.Setenv("SOURCE_DATE_EPOCH", "1776416400")
	for _, tt := range []struct {
		python, gomod string
		code          int
	}{
		{"sigstore-python-install", "goreleaser-head", 0},
		{"treeherder-common", "syft-retract", 0},
		{"jax-pipcompile-bazel", "etcd-workspace", 0},
		{"cocotools-dev-pyproject", "go-github", 1}, // pip and setuptools left out as unsafe
	} {
		t.Run(tt.python, func(t *testing.T) {
			store := "file://" + filepath.Join(t.TempDir(), "store")
			code, stdout, stderr := runCLI(t, "release",
				"--product", tt.python, "--version", "v1.0.0",
				"--python", filepath.Join(corpus, "requirements", tt.python, "requirements.txt"),
				"--go", filepath.Join(corpus, "gomod", tt.gomod), "--offline", "--store", store,
				"--out", filepath.Join(t.TempDir(), "out"))
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s",
					code, tt.code, stdout, stderr)
			}
			if tt.code != 0 {
				return
			}
			s, err := archive.Open(context.Background(), store, archive.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep, err := s.Verify(context.Background())
			if err != nil || rep.Errors != 0 || rep.Documents != 2 {
				t.Errorf("archive verify: %v %+v", err, rep)
			}
		})
	}
}
