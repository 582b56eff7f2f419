package main

import (
	"os"
	"strings"
	"testing"
)

// A line break in the subject's names would inject tags into tag-value
// documents: it is a usage error and nothing is written.
func TestSBOMSubjectIsOneLine(t *testing.T) {
	t.Chdir(t.TempDir())
	writeFiles(t, ".", map[string]string{"requirements.txt": "foo==1.0 \\\n    --hash=sha256:" +
		strings.Repeat("a", 64) + "\n"})
	for _, flag := range []string{"--supplier", "--product", "--version"} {
		code, _, stderr := runCLI(t, "sbom", "--python", "requirements.txt", flag,
			"Example Corp\nSPDXID: SPDXRef-evil", "--out", "out")
		if code != 2 || !strings.Contains(stderr, "a line break or NUL has no place in it") {
			t.Errorf("%s with a line break: exit %d, %q; want 2 and a refusal", flag, code, stderr)
		}
		if _, err := os.Stat("out"); !os.IsNotExist(err) {
			t.Errorf("%s with a line break: out was created", flag)
		}
	}
}
