package sbom

import (
	"bytes"
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
