package lockfile

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/sentrikat/sbompipe/internal/testparts"
)

// FuzzParse feeds arbitrary bytes to Parse and Verify as a requirements
// file that includes itself, a second file and a missing one: neither may
// panic, and every problem must carry a line inside the file.
func FuzzParse(f *testing.F) {
	seeds := []string{
		"",
		"pkg==1 \\\n    --hash=sha256:" + h1 + "\n    # via -r requirements.in\n",
		"ledgerkit==4.9.2\n    --hash=sha256:" + h1 + "\n",
		"pkg==1\t--hash=sha256:x\n--hash=sha256:y pkg==2\n-e ./src --hash=sha256:z\n",
		"-r other.txt\n-c other.txt\n-r requirements.txt\n-r missing.txt\n",
		"name[a,b] @ https://u:p@h.example/x.whl#sha256=ab ; python_version < '3' \\\n",
		"git+https://g.example/r@v1#egg=r\nhttps://h.example/a.zip#egg=a==1\n./dir\n",
		"\xef\xbb\xbfa==1\r\nb==2\rc==3\x0c\u2028d==4\\",
		"# -*- coding: latin-1 -*-\n\xe9==1\n",
		"\xff\xfea\x00=\x00=\x001\x00",
		"--index-url https://${TOKEN}@h/simple --trusted-host h\n--hash\n--in\n-x\n'\n",
		"pkg ; (os_name == 'nt' or extra not in \"x\") and\n",
		"# WARNING: The following packages were not pinned, but pip requires them to be\n" +
			"# setuptools\n",
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	// Small real files only: large seeds make every minimisation slow.
	if dir := testparts.FindShared("corpus/requirements"); dir != "" {
		paths, _ := filepath.Glob(filepath.Join(dir, "*", "*.txt"))
		for _, p := range paths {
			if data, err := os.ReadFile(p); err == nil && len(data) < 4096 {
				f.Add(data)
			}
		}
	}
	f.Fuzz(fuzzParseBody)
}

func fuzzParseBody(t *testing.T, data []byte) {
	{
		fsys := fstest.MapFS{
			"requirements.txt": {Data: data},
			"other.txt": {
				Data: []byte("x==1 --hash=sha256:" + h2 + "\n-r requirements.txt\n"),
			},
		}
		getenv := func(string) string { return "s3/cr@t" }
		pf, err := Parse("requirements.txt", ParseOptions{FS: fsys, Getenv: getenv})
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		lines := len(splitLines(string(data), 0)) + 1
		for _, p := range pf.Problems {
			if p.File == "requirements.txt" && (p.Line < 1 || p.Line > lines) {
				t.Errorf("problem on line %d of a %d-line file: %s", p.Line, lines, p)
			}
		}
		opts := VerifyOptions{Checks: []Check{InputCheck(pf)}}
		if _, err := Verify(context.Background(), pf, opts); err != nil {
			t.Fatalf("Verify: %v", err)
		}
	}
}
