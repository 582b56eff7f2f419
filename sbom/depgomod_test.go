package sbom

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

// checkScanDepGoMod fails the test when scanDepGoMod reads data and
// ParseLax reads it otherwise or refuses it; it reports whether
// scanDepGoMod read it.
func checkScanDepGoMod(t testing.TB, name string, data []byte) bool {
	t.Helper()
	got, ok := scanDepGoMod(data)
	if !ok {
		return false
	}
	want, err := laxDepGoMod(data)
	if err != nil {
		t.Fatalf("%s: scanDepGoMod read %+v; ParseLax refuses it: %v\n%s", name, got, err, data)
	}
	if len(want.require) == 0 {
		want.require = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: scanDepGoMod read\n%+v\nParseLax read\n%+v\nfrom\n%s", name, got, want, data)
	}
	return true
}

var depGoModCases = []struct {
	name string
	text string
	fast bool // read by scanDepGoMod, not left to ParseLax
}{
	{"plain", "module example.com/a\n\ngo 1.22.0\n\nrequire (\n\tgolang.org/x/mod v0.20.0\n\tgithub.com/x/y/v2 v2.1.0 // indirect\n)\n", true},
	{"one-line requires", "module example.com/a\ngo 1.16\nrequire golang.org/x/mod v0.20.0\nrequire example.com/b v1.0.0+incompatible\n", true},
	{"crlf and comments", "// head\r\nmodule example.com/a // the module\r\n\r\nrequire ( // block\r\n\t// a comment\r\n\texample.com/b v1.2.3\r\n)\r\n", true},
	{"no newline at the end", "module example.com/a\nrequire example.com/b v1.2.3", true},
	{"no module line", "require example.com/b v1.2.3\n", true},
	{"empty", "", true},
	{"skipped directives", "module example.com/a\ntoolchain go1.23.4\ngodebug default=go1.21\ngodebug (\n\tpanicnil=1\n)\nexclude example.com/b v1.0.0\nreplace example.com/b => ../b\nreplace (\n\texample.com/c v1.0.0 => example.com/d v1.1.0\n)\ntool example.com/t\nfuture directive (with) [odd] {tokens},\n", true},
	{"retractions", "module example.com/a\nretract v1.0.0\nretract [v1.1.0, v1.2.0] // broken\nretract (\n\t[v1.3.0, v1.3.5]\n\tv1.4.0\n)\n", true},
	{"skipped block with a header", "module example.com/a\nrequire example.com/b v1.0.0 (\nexample.com/c v1.0.0\n)\nrequire example.com/d v1.0.0\n", true},
	{"go block is skipped", "module example.com/a\ngo (\n\t1.21\n)\n", true},
	{"module block", "module (\n\texample.com/a\n)\n", true},
	{"empty blocks", "module example.com/a\nrequire ()\nrequire ( ( )\nreplace ( )\n", true},
	{"comment cut mid-token", "module example.com/a//x\nrequire example.com/b v1.0.0//y\n", true},
	{"version made canonical", "module example.com/a\nrequire example.com/b v1.2\n", true},
	{"go version with a pre-release", "module example.com/a\ngo 1.21rc1\n", true},
	{"parenthesis inside a block line", "require (\n\t( example.com/b v1.0.0\n)\n", false},
	{"go version ParseLax fixes", "module example.com/a\ngo 1.21.0-beta\n", false},
	{"go version v-prefixed", "module example.com/a\ngo v1.21\n", false},
	{"quoted path", "module \"example.com/a\"\nrequire \"example.com/b\" v1.0.0\n", false},
	{"raw string", "module `example.com/a`\n", false},
	{"apostrophe", "module 'example.com/a'\n", false},
	{"non-ASCII", "module example.com/ä\n", false},
	{"byte order mark", "\ufeffmodule example.com/a\n", false},
	{"form feed", "module example.com/a\f\n", false},
	{"NUL", "module example.com/a\x00\n", false},
	{"block comment", "module example.com/a /* no */\n", false},
	{"unterminated block", "module example.com/a\nrequire (\nexample.com/b v1.0.0\n", false},
	{"text after the closing parenthesis", "require (\nexample.com/b v1.0.0\n) x\n", false},
	{"repeated module", "module example.com/a\nmodule example.com/b\n", false},
	{"repeated go", "go 1.20\ngo 1.21\n", false},
	{"bad go version", "go 1.x\n", false},
	{"require with one argument", "require example.com/b\n", false},
	{"require with three arguments", "require example.com/b v1.0.0 v2.0.0\n", false},
	{"require with a bad version", "require example.com/b latest\n", false},
	{"require with a wrong major version", "require example.com/b/v2 v1.0.0\n", false},
	{"require with a bad path", "require example.com/b/v1 v1.0.0\n", false},
	{"module with two arguments", "module example.com/a b\n", false},
	{"ignore directive", "module example.com/a\nignore ./x\n", false},
	{"ignore block", "module example.com/a\nignore (\n\t./x\n)\n", false},
	{"punctuation first", ") module example.com/a\n", false},
	{"comma in a require", "require example.com/b, v1.0.0\n", false},
}

func TestScanDepGoMod(t *testing.T) {
	for _, c := range depGoModCases {
		t.Run(c.name, func(t *testing.T) {
			fast := checkScanDepGoMod(t, c.name, []byte(c.text))
			if fast != c.fast {
				t.Errorf("read by scanDepGoMod: %v, want %v", fast, c.fast)
			}
			// readDepGoMod gives ParseLax's answer either way.
			got, gotErr := readDepGoMod([]byte(c.text))
			want, wantErr := laxDepGoMod([]byte(c.text))
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("readDepGoMod error %v, ParseLax %v", gotErr, wantErr)
			}
			if len(want.require) == 0 {
				want.require = nil
			}
			if len(got.require) == 0 {
				got.require = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("readDepGoMod read %+v, ParseLax %+v", got, want)
			}
		})
	}
}

// TestScanDepGoModFiles compares scanDepGoMod with ParseLax on every
// go.mod file of the module cache's download folder and of the shared
// corpus: real files, as the module graph reads them.
func TestScanDepGoModFiles(t *testing.T) {
	var roots []string
	if e, err := readGoEnv(context.Background(), "go", ".", nil, false); err == nil && e.ModCache != "" {
		roots = append(roots, filepath.Join(e.ModCache, "cache", "download"))
	}
	if corpus := testparts.FindShared("corpus"); corpus != "" {
		roots = append(roots, corpus)
	}
	files, fast := 0, 0
	for _, root := range roots {
		filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".mod") && d.Name() != "go.mod" {
				return nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			files++
			if checkScanDepGoMod(t, path, data) {
				fast++
			}
			return nil
		})
	}
	t.Logf("%d go.mod files, %d read by scanDepGoMod", files, fast)
	if files == 0 {
		testparts.Missing(t, "no go.mod files in the module cache or in ../shared/corpus")
	}
	// The module cache holds at least this module's dependencies, nearly
	// all of which take the fast path.
	if fast*10 < files*9 {
		t.Errorf("only %d of %d go.mod files read by scanDepGoMod", fast, files)
	}
}

func FuzzScanDepGoMod(f *testing.F) {
	for _, c := range depGoModCases {
		f.Add([]byte(c.text))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkScanDepGoMod(t, "fuzz input", data)
	})
}

func TestGoModH1(t *testing.T) {
	for _, data := range []string{"", "module example.com/a\n", strings.Repeat("require x v1.0.0\n", 1000)} {
		want, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
			return io.NopCloser(strings.NewReader(data)), nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := goModH1([]byte(data)); got != want {
			t.Errorf("goModH1(%.20q) = %s, want %s", data, got, want)
		}
	}
}

var sumLines = []string{
	"example.com/a v1.0.0 h1:abc=\n",
	"example.com/a v1.0.0/go.mod h1:abc=",
	"example.com/a  v1.0.0 h1:abc=\n",
	" example.com/a v1.0.0 h1:abc=\n",
	"example.com/a v1.0.0 h1:abc= \n",
	"example.com/a\tv1.0.0 h1:abc=\r\n",
	"example.com/a v1.0.0 h1:abc= extra\n",
	"example.com/a v1.0.0\n",
	"\n",
	"",
	"example.com/ä v1.0.0 h1:abc=\n",
	"example.com/a v1.0.0\u00a0h1:abc=\n",
}

func TestSumFields(t *testing.T) {
	for _, line := range sumLines {
		checkSumFields(t, line)
	}
}

func checkSumFields(t *testing.T, line string) {
	got, want := sumFields(line, nil), strings.Fields(line)
	if len(want) == 0 {
		want = nil
	}
	if !slices.Equal(got, want) {
		t.Fatalf("sumFields(%q) = %q, strings.Fields %q", line, got, want)
	}
}

func FuzzSumFields(f *testing.F) {
	for _, line := range sumLines {
		f.Add(line)
	}
	f.Fuzz(checkSumFields)
}
