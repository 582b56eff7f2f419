package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sentrikat/sbompipe/internal/testparts"
	"github.com/sentrikat/sbompipe/sbom"
)

// A line break in the subject's names would inject tags into tag-value
// documents: it is a usage error and nothing is written.
func TestSBOMSubjectIsOneLine(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"requirements.txt": "foo==1.0 \\\n    --hash=sha256:" +
		strings.Repeat("a", 64) + "\n"})
	for _, flag := range []string{"--supplier", "--product", "--version"} {
		for _, v := range []string{"Example Corp\nSPDXID: SPDXRef-evil", "Example\x1b[2J Corp",
			"Example \u202eCorp"} {
			code, _, stderr := runCLI(t, "sbom", "--python", "requirements.txt", flag, v,
				"--out", "out")
			if code != 2 || !strings.Contains(stderr, "a line break or other control character "+
				"has no place in it") {
				t.Errorf("%s %q: exit %d, %q; want 2 and a refusal", flag, v, code, stderr)
			}
			if _, err := os.Stat("out"); !os.IsNotExist(err) {
				t.Errorf("%s %q: out was created", flag, v)
			}
		}
	}
}

// sbom keeps what the license classifier found and the module graphs it
// read in the user's cache directory; --no-cache (or its older name
// --no-license-cache) keeps nothing there, --no-licenses no licenses.
func TestSBOMCaches(t *testing.T) {
	cache := testparts.ModuleCache(t, "github.com/google/uuid", "v1.6.0")
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOWORK", "off")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"mod/go.mod": "module example.com/app\n\ngo 1.22\n\n" +
			"require github.com/google/uuid v1.6.0\n",
		"mod/go.sum": "github.com/google/uuid v1.6.0 " +
			"h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=\n" +
			"github.com/google/uuid v1.6.0/go.mod " +
			"h1:TIyPZe4MgqvfeYDBFedMoGGpEw/LqOeaOT+nhxU+yHo=\n",
	})
	entries := func(dir string) int {
		n := 0
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				n++
			}
			return nil
		})
		return n
	}
	for _, tc := range []struct {
		flag            string
		licenses, graph int
	}{
		{"", 3, 1}, // uuid's LICENSE, uuid v1.6.0 and the module set; the module's graph
		{"--no-cache", 0, 0},
		{"--no-license-cache", 0, 0},
		{"SBOMPIPE_NO_LICENSE_CACHE", 0, 0},
		{"SBOMPIPE_SBOM_NO_CACHE", 0, 0},
		{"--no-licenses", 0, 1},
	} {
		t.Run(tc.flag, func(t *testing.T) {
			xdg := t.TempDir()
			t.Setenv("XDG_CACHE_HOME", xdg)
			if strings.HasPrefix(tc.flag, "SBOMPIPE_") {
				t.Setenv(tc.flag, "true")
			}
			args := []string{"sbom", "--go", filepath.Join(dir, "mod"),
				"--product", "app", "--format", "spdx-json", "--out", "-"}
			if strings.HasPrefix(tc.flag, "--") {
				args = append(args, tc.flag)
			}
			code, stdout, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("%s: exit %d: %s", tc.flag, code, stderr)
			}
			// The standard library's license is known without the classifier.
			declared, want := strings.Count(stdout, `"licenseDeclared": "BSD-3-Clause"`), 2
			if tc.flag == "--no-licenses" {
				want = 1
			}
			if declared != want {
				t.Errorf("%s: %d packages declare BSD-3-Clause, want %d", tc.flag, declared, want)
			}
			if n := entries(filepath.Join(xdg, "sbompipe", "licenses")); n != tc.licenses {
				t.Errorf("%s: %d license cache entries, want %d", tc.flag, n, tc.licenses)
			}
			if n := entries(filepath.Join(xdg, "sbompipe", "modgraph")); n != tc.graph {
				t.Errorf("%s: %d graph cache entries, want %d", tc.flag, n, tc.graph)
			}
			if !strings.Contains(stdout, `"relationshipType": "DEPENDS_ON"`) {
				t.Errorf("%s: no dependency in the document", tc.flag)
			}
		})
	}
}

// A document that fails to encode after another was written to its
// temporary file leaves nothing behind: no file, no temporary file, and
// none of the folders --out named.
func TestSBOMEncodingErrorLeavesNothing(t *testing.T) {
	t.Chdir(t.TempDir())
	// A line past the 64 KiB a tag-value reader takes.
	long := "pkg @ https://example.com/" + strings.Repeat("a", 70000) + ".tar.gz\n"
	writeFiles(t, ".", map[string]string{"requirements.txt": long, "kept/README": "kept"})
	for _, out := range []string{"new/deeper", "kept"} {
		code, _, stderr := runCLI(t, "sbom", "--python", "requirements.txt", "--out", out,
			"--format", "cyclonedx-json,spdx-tag-value")
		if code != 2 || !strings.Contains(stderr, "64 KiB") {
			t.Errorf("--out %s: exit %d, %q; want 2 and the tag-value error", out, code, stderr)
		}
	}
	if _, err := os.Stat("new"); !os.IsNotExist(err) {
		t.Errorf("the folder new was left created (%v)", err)
	}
	entries, err := os.ReadDir("kept")
	if err != nil || len(entries) != 1 {
		t.Errorf("kept holds %v (%v); want only README", entries, err)
	}
}

// --out naming a file is an error that names the flag, and leaves the
// file as it was.
func TestSBOMOutIsAFile(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"requirements.txt": "idna==3.7\n", "afile": "kept"})
	code, _, stderr := runCLI(t, "sbom", "--python", "requirements.txt", "--out", "afile")
	if code != 2 || !strings.Contains(stderr, "--out afile:") {
		t.Errorf("exit %d, %q; want 2 and an error naming --out afile", code, stderr)
	}
	if data, err := os.ReadFile("afile"); err != nil || string(data) != "kept" {
		t.Errorf("afile holds %q (%v), want it kept", data, err)
	}
}

// When one document cannot be moved into place, the ones already moved are
// put back: an earlier document is restored, a new one removed, and no
// temporary file is left. (An attack found the first document replaced
// when the second was a bind-mounted file.)
func TestSBOMReplacesAllOrNone(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"requirements.txt": "idna==3.7\n"})
	real := swapIn
	t.Cleanup(func() { swapIn = real })
	swapIn = func(tmp, name string) (int, error) {
		if strings.HasSuffix(name, ".spdx.json") {
			return 0, errors.New("device or resource busy")
		}
		return real(tmp, name)
	}
	args := []string{"sbom", "--python", "requirements.txt", "--product", "p", "--version", "v1"}
	for _, old := range []map[string]string{
		{"out/p_v1.cdx.json": "OLD CDX", "out/p_v1.spdx.json": "OLD SPDX"},
		{"out/README": "kept"}, // the documents are new
	} {
		os.RemoveAll("out")
		writeFiles(t, ".", old)
		code, _, stderr := runCLI(t, append(args, "--out", "out")...)
		if code != 2 || !strings.Contains(stderr, "device or resource busy") {
			t.Errorf("exit %d, %q; want 2 and the failed move", code, stderr)
		}
		entries, _ := os.ReadDir("out")
		if len(entries) != len(old) {
			t.Errorf("out holds %v, want only %v", entries, old)
		}
		for name, want := range old {
			if data, err := os.ReadFile(name); err != nil || string(data) != want {
				t.Errorf("%s holds %q (%v), want %q", name, data, err, want)
			}
		}
	}

	// Without the failure, the documents replace the old ones, and the
	// temporary names that held the old ones are gone.
	swapIn = real
	if code, _, stderr := runCLI(t, append(args, "--out", "out")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	writeFiles(t, ".", map[string]string{"out/p_v1.cdx.json": "OLD CDX"})
	if code, _, stderr := runCLI(t, append(args, "--out", "out")...); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	entries, _ := os.ReadDir("out")
	if len(entries) != 3 { // README, and the two documents
		t.Errorf("out holds %v, want README and the two documents", entries)
	}
	if data, _ := os.ReadFile("out/p_v1.cdx.json"); !bytes.Contains(data, []byte(`"bomFormat": "CycloneDX"`)) {
		t.Errorf("p_v1.cdx.json was not replaced: %.40q", data)
	}
}

// An interrupt while the documents are encoded or written (ctx done)
// changes no destination and leaves no temporary file.
func TestSBOMInterruptedLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"requirements.txt": "idna==3.7\n", "out/p_v1.cdx.json": "OLD"})
	b, err := sbom.Collect(context.Background(), sbom.Inputs{Subject: sbom.Subject{Name: "p", Version: "v1"},
		Python: []string{filepath.Join(dir, "requirements.txt")}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out := filepath.Join(dir, "out")
	names := []string{filepath.Join(out, "p_v1.cdx.json"), filepath.Join(out, "p_v1.spdx.json")}
	err = writeSBOMFiles(ctx, b, []sbom.Format{sbom.CycloneDXJSON, sbom.SPDXJSON}, sbom.EncodeOptions{}, out, names)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 {
		t.Errorf("out holds %v, want only the old p_v1.cdx.json", entries)
	}
	if data, _ := os.ReadFile(names[0]); string(data) != "OLD" {
		t.Errorf("p_v1.cdx.json holds %.20q, want OLD", data)
	}
}

// A document whose name is near the 255 bytes a file name may have is
// written: its temporary name is cut short.
func TestSBOMLongFileName(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"requirements.txt": "idna==3.7\n"})
	product := strings.Repeat("p", 240) // p…p_v1.spdx.json: 254 bytes
	code, _, stderr := runCLI(t, "sbom", "--python", "requirements.txt", "--product", product,
		"--version", "v1", "--out", "out")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	entries, _ := os.ReadDir("out")
	if len(entries) != 2 {
		t.Errorf("out holds %v, want the two documents", entries)
	}
}

// Warnings and errors quote their inputs with control characters escaped:
// a hash or a file name could otherwise retitle and clear the terminal.
func TestSBOMMessagesEscapeControls(t *testing.T) {
	t.Chdir(t.TempDir())
	evil := "\x1b]0;PWNED\x07\x1b[2J"
	writeFiles(t, ".", map[string]string{"requirements.txt": "foo==1.0 --hash=sha256:" + evil + "\n"})
	code, _, stderr := runCLI(t, "sbom", "--python", "requirements.txt", "--product", "p",
		"--out", "out")
	if code != 0 || !strings.Contains(stderr, `sha256:\x1b]0;PWNED\a\x1b[2J is not a digest`) {
		t.Errorf("exit %d, stderr %q; want 0 and the hash escaped", code, stderr)
	}
	code, _, stderr2 := runCLI(t, "sbom", "--python", "missing"+evil+".txt", "--product", "p",
		"--out", "out")
	if code != 2 || !strings.Contains(stderr2, `missing\x1b]0;PWNED\a\x1b[2J.txt`) {
		t.Errorf("exit %d, stderr %q; want 2 and the name escaped", code, stderr2)
	}
	code, _, stderr3 := runCLI(t, "sbom", "--python", "requirements.txt", "--product", "p",
		"--out", "o"+evil)
	if code != 0 || !strings.Contains(stderr3, `wrote o\x1b]0;PWNED\a\x1b[2J/p.cdx.json`) {
		t.Errorf("--out with controls: exit %d, stderr %q", code, stderr3)
	}
	if err := os.Rename("requirements.txt", "req"+evil+".txt"); err != nil {
		t.Fatal(err)
	}
	code, _, stderr4 := runCLI(t, "sbom", "--python", "req"+evil+".txt", "--product", "p",
		"--out", "out")
	if code != 2 || !strings.Contains(stderr4, "a file name with a control character is not taken") {
		t.Errorf("--python with controls: exit %d, stderr %q", code, stderr4)
	}
	for _, s := range []string{stderr, stderr2, stderr3, stderr4} {
		if strings.ContainsAny(s, "\x1b\x07") {
			t.Errorf("stderr holds raw control characters: %q", s)
		}
	}
}

// A format named twice is written once.
func TestSBOMFormatTwice(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"requirements.txt": "idna==3.7\n"})
	code, _, stderr := runCLI(t, "sbom", "--product", "p", "--format",
		"cyclonedx-json, cyclonedx-json", "--format", "cyclonedx-json", "--out", "out")
	if code != 0 || strings.Count(stderr, "wrote ") != 1 {
		t.Errorf("a format thrice: exit %d, %q; want one document", code, stderr)
	}
}
