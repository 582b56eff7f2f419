package sbom

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A marker pip accepts may hold "</text>" in quotes; a supplier with a
// line break would inject tags. Neither may break a tag-value document.
func TestSPDXTagValueHostileValues(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"requirements.txt": "foo==1.0 ; python_version == \"</text>\" \\\n" +
			"    --hash=sha256:" + strings.Repeat("a", 64) + "\n",
	})
	b := collectTest(t, Inputs{Python: []string{filepath.Join(dir, "requirements.txt")}})
	var buf bytes.Buffer
	if _, err := Encode(&buf, b, SPDXTagValue, EncodeOptions{}); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	validate(t, buf.Bytes(), SPDXTagValue, "")

	b.Subject.Supplier = "Example Corp\nPackageName: injected"
	buf.Reset()
	_, err := Encode(&buf, b, SPDXTagValue, EncodeOptions{})
	if err == nil || !strings.Contains(err.Error(), "does not read back") {
		t.Errorf("Encode with a line break in the supplier: %v, want a refusal", err)
	}
	if buf.Len() != 0 {
		t.Error("a refused document was written")
	}
}

// A line longer than tag-value readers take is named as such, not taken
// for a line break.
func TestTagValueLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "requirements.txt")
	lock := "long==1.0 ; python_version == \"" + strings.Repeat("a", 70000) + "\" \\\n" +
		"    --hash=sha256:" + strings.Repeat("a", 64) + "\n"
	if err := os.WriteFile(path, []byte(lock), 0o644); err != nil {
		t.Fatal(err)
	}
	b := collectTest(t, Inputs{Python: []string{path}})
	_, err := Encode(io.Discard, b, SPDXTagValue, EncodeOptions{})
	if err == nil || !strings.Contains(err.Error(), "a line is longer than the 64 KiB") {
		t.Errorf("Encode(spdx-tag-value) = %v, want an error naming the long line", err)
	}
	if _, err := Encode(io.Discard, b, SPDXJSON, EncodeOptions{}); err != nil {
		t.Errorf("Encode(spdx-json): %v", err)
	}
}
